import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// Container image archives built from root file systems that the real dpkg changed step by step
/// (as a Dockerfile's `RUN` steps do), laid out as `docker save` (Docker ≤ 24 and ≥ 25) and OCI tools
/// write them.
@Suite struct ContainerImageTests {
    static let kesl = Fixtures.vendor + "/kesl_12.1.0-1234_amd64.deb"

    /// The SHA-256 of an archive member's bytes, taken with tar and sha256sum (independently of Embargo).
    static func digest(ofMember member: String, in archive: String) throws -> String {
        let output = try Tool.shell("tar -xOf '\(archive)' '\(member)' | sha256sum")
        return "sha256:" + String(decoding: output.prefix(64), as: UTF8.self)
    }

    /// An archive, in `directory`, of the image `name` built in steps: a base, then `dpkg -i kesl`,
    /// then, when `purged`, `dpkg --purge kesl`.
    static func keslImage(
        in directory: TemporaryDirectory,
        layout: ContainerImageFixture.Layout,
        name: String,
        purged: Bool
    ) throws -> String {
        let build = try ContainerImageFixture.Build(in: directory)
        try build.dpkg(["-i", kesl])
        if purged { try build.dpkg(["--purge", "kesl"]) }
        return try ContainerImageFixture.write(
            directory.file("image.tar"),
            layout: layout,
            images: [(name, build.snapshots)]
        )
    }

    static func packageFinding(_ outcome: ScanOutcome) -> [Detection] {
        outcome.detections.filter {
            $0.record == "package kesl" && $0.location.members.last?.displayString == "var/lib/dpkg/status"
        }
    }

    @Test(arguments: ContainerImageFixture.Layout.allCases)
    func aPackageInstalledInALayerIsInstalledInTheImage(layout: ContainerImageFixture.Layout) async throws {
        let directory = TemporaryDirectory()
        let archive = try Self.keslImage(in: directory, layout: layout, name: "example/agent:1.0", purged: false)
        let outcome = try await scan([archive])
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        let finding = try #require(Self.packageFinding(outcome).first, "\(outcome.detections.map(\.location))")
        #expect(finding.confidence == .installation && finding.form == .installed)
        let place = try #require(finding.imageLayer)
        #expect(place.removedBy == nil)
        let image = try #require(place.images.first)
        #expect(place.images.count == 1)
        #expect(image.references.contains("example/agent:1.0"), "\(image.references)")
        #expect(image.layerNumber == 2)
        let layerMember = try #require(finding.location.members.first).displayString
        #expect(place.layerDigest == (try Self.digest(ofMember: layerMember, in: archive)))
        if layout == .docker {
            #expect(image.manifestDigest == nil, "Docker ≤ 24 archives keep no manifest")
        } else {
            let manifest = try #require(image.manifestDigest)
            let blob = "blobs/sha256/" + manifest.dropFirst("sha256:".count)
            #expect(manifest == (try Self.digest(ofMember: blob, in: archive)))
        }
        let assessment = try policyEvaluator(asOf: "2025-01-01").assess(finding)
        #expect(assessment.verdict == .prohibited)
        #expect(outcome.summary.recognised.map(\.kind) == ["container image archive"])
    }

    @Test func aCompressedImageArchiveIsReadAsAnImage() async throws {
        let directory = TemporaryDirectory()
        let archive = try Self.keslImage(in: directory, layout: .dockerOCI, name: "example/agent:1.0", purged: false)
        try Tool.run("gzip", [archive])
        let outcome = try await scan([archive + ".gz"])
        let finding = try #require(Self.packageFinding(outcome).first)
        #expect(finding.imageLayer?.images.first?.layerNumber == 2)
        #expect(finding.location.members.first?.displayString == "image.tar")
    }

    @Test(arguments: [ContainerImageFixture.Layout.docker, .oci])
    func whatALaterLayerRemovesIsReportedAsRemovedAndOnlyForReview(layout: ContainerImageFixture.Layout) async throws {
        let directory = TemporaryDirectory()
        let archive = try Self.keslImage(in: directory, layout: layout, name: "example/cleaned:1.0", purged: true)
        let outcome = try await scan([archive])
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        let installations = outcome.installations
        #expect(!installations.isEmpty)
        for finding in installations {
            let removal = try #require(finding.imageLayer?.removedBy, "\(finding.location)")
            #expect(removal.layerNumber == 3 && removal.image == "example/cleaned:1.0")
        }
        let program = installations.first { $0.location.members.last?.displayString.hasSuffix("kesl-control") ?? false }
        #expect(program != nil, "the program's directory is removed by a whiteout of an ancestor (.wh.opt)")
        let evaluator = try policyEvaluator(asOf: "2025-01-01")
        for finding in installations {
            let assessment = evaluator.assess(finding)
            #expect(assessment.verdict == .review)
            #expect(assessment.reason.contains("Removed in a later layer"), "\(assessment.reason)")
        }
    }

    @Test func aLayerSharedByTwoImagesIsReadOnceAndLiveWhileOneImageKeepsIt() async throws {
        let directory = TemporaryDirectory()
        let build = try ContainerImageFixture.Build(in: directory)
        try build.dpkg(["-i", Self.kesl])
        try build.dpkg(["--purge", "kesl"])
        let archive = try ContainerImageFixture.write(
            directory.file("images.tar"),
            layout: .dockerOCI,
            images: [
                ("example/cleaned:1.0", build.snapshots),
                ("example/agent:1.0", Array(build.snapshots.prefix(2))),
            ]
        )
        let outcome = try await scan([archive])
        let findings = Self.packageFinding(outcome)
        #expect(findings.count == 1, "one layer, read once: \(findings.map(\.location))")
        let place = try #require(findings.first?.imageLayer)
        #expect(place.images.count == 2)
        #expect(place.removedBy == nil, "example/agent:1.0 keeps the package")
        let assessment = try policyEvaluator(asOf: "2025-01-01").assess(try #require(findings.first))
        #expect(assessment.verdict == .prohibited)
        #expect(outcome.summary.recognised.first?.detail.hasPrefix("2 images") == true)
    }

    @Test func anOCILayoutDirectoryIsReadThroughItsIndexNotBlobByBlob() async throws {
        let directory = TemporaryDirectory()
        let archive = try Self.keslImage(in: directory, layout: .oci, name: "example/cleaned:1.0", purged: true)
        let layout = directory.file("layout")
        try FileManager.default.createDirectory(atPath: layout, withIntermediateDirectories: true)
        try Tool.run("tar", ["-xf", archive, "-C", layout])
        let outcome = try await scan([layout])
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        let findings = Self.packageFinding(outcome)
        #expect(findings.count == 1, "each layer read once, as a layer: \(findings.map(\.location))")
        let finding = try #require(findings.first)
        #expect(finding.location.path.displayString.hasPrefix(layout + "/blobs/sha256/"))
        #expect(finding.imageLayer?.removedBy?.layerNumber == 3)
        #expect(outcome.summary.recognised.map(\.kind) == ["OCI image layout"])
    }

    @Test func anImageWithoutVendorSoftwareHasNoFindings() async throws {
        let directory = TemporaryDirectory()
        let build = try ContainerImageFixture.Build(in: directory)
        try build.write("usr/share/doc/tool/README", Array("An ordinary tool that backs up files.\n".utf8))
        let archive = try ContainerImageFixture.write(
            directory.file("clean.tar"),
            layout: .oci,
            images: [("example/tool:1.0", build.snapshots)]
        )
        let outcome = try await scan([archive])
        #expect(outcome.detections.isEmpty, "\(outcome.detections.map(\.location))")
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        #expect(outcome.summary.recognised.map(\.kind) == ["container image archive"])
    }

    @Test func theImagePlaceSurvivesTheRecordAndIsShownInEveryReport() async throws {
        let directory = TemporaryDirectory()
        let archive = try Self.keslImage(in: directory, layout: .oci, name: "example/cleaned:1.0", purged: true)
        let outcome = try await scan([archive])
        let detection = try #require(Self.packageFinding(outcome).first)
        let line = RecordCoding.json(detection).serialized()
        let decoded = try RecordCoding.detection(fromJSON: line)
        #expect(decoded.imageLayer == detection.imageLayer)
        let finding = Finding(detection: detection, assessment: try policyEvaluator().assess(detection))
        let text = TextReport.line(for: finding)
        #expect(text.contains("in image example/cleaned:1.0 layer 2") && text.contains("removed by layer 3"), "\(text)")
        #expect(HTMLReport.row(finding).contains("removed by layer 3"))
        let sarif = SARIFReport.result(finding, ruleIndex: 0).serialized()
        #expect(sarif.contains("\"imageLayer\"") && sarif.contains(detection.imageLayer?.layerDigest ?? "-"))
    }
}
