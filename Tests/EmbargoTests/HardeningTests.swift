import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// What hostile names, option values, outputs and definition files can do to a run: each is
/// refused or neutralised with a clear message, never a crash or a corrupted report.
@Suite struct HardeningTests {
    // MARK: - Reports

    @Test func csvCellsCannotBecomeFormulasOrSplitRows() throws {
        #expect(
            CSVReport.cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"\"http://x\"\")"
                || CSVReport.cell("=HYPERLINK(\"http://x\")").hasPrefix("\"'=")
        )
        for dangerous in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            let cell = CSVReport.cell(dangerous)
            #expect(
                cell.hasPrefix("'") || cell.hasPrefix("\"'"),
                "\(dangerous.debugDescription) → \(cell.debugDescription)"
            )
        }
        #expect(CSVReport.cell("plain") == "plain")
        #expect(CSVReport.cell("a\r\nb") == "\"a\r\nb\"", "a CR LF inside a name is quoted, not a new row")
        #expect(CSVReport.cell("a,b") == "\"a,b\"")
    }

    @Test func aHostileMemberNameStaysInsideItsCSVCell() throws {
        let directory = TemporaryDirectory()
        let evil = "=cmd|' /C calc'!A0\r\nfake,row.txt"
        try ArchiveBuilder.write(directory.file("names.zip"), format: .zip, entries: [(evil.bytes, mentionText.bytes)])
        let result = try EmbargoProcess.run([
            "scan", "--format", "csv", "--fail-on", "never", directory.file("names.zip"),
        ])
        #expect(result.status == 0)
        // Rows end at line breaks outside quotes.
        var rows = 0
        var quoted = false
        for character in result.text {
            if character == "\"" { quoted.toggle() }
            if character == "\r\n", !quoted { rows += 1 }
        }
        #expect(rows == 2, "the header and one finding: \(result.text)")
        #expect(
            result.text.contains("\"'=cmd|' /C calc'!A0\r\nfake,row.txt\""),
            "the member cell is neutralised and quoted"
        )
    }

    @Test func theTextReportEscapesControlCharactersInNames() throws {
        let directory = TemporaryDirectory()
        let name = "red\u{1B}[31m\u{1B}]0;owned\u{07}.txt"
        try directory.write(name, text: mentionText)
        let result = try EmbargoProcess.run(["scan", "--format", "text", "--fail-on", "never", directory.path])
        #expect(result.status == 0)
        #expect(!result.output.contains(0x1B), "no escape character reaches the terminal")
        #expect(!result.output.contains(0x07))
        #expect(result.text.contains("red\\x1B[31m\\x1B]0;owned\\x07.txt"))
    }

    // MARK: - Option values

    @Test(arguments: [
        (["--max-ratio", "nan"], "--max-ratio"), (["--max-ratio", "inf"], "--max-ratio"),
        (["--jobs", "2000000"], "--jobs"),
        (["--jobs", "0"], "--jobs"), (["--max-expanded", "12Q"], "max-expanded"),
        (["--max-depth", "-1"], "--max-depth"),
        (["--format", "xml"], "format"), (["--fail-on", "sometimes"], "fail-on"),
    ])
    func anImpossibleOptionValueIsAUsageError(_ option: [String], _ named: String) throws {
        let result = try EmbargoProcess.run(["scan"] + option + [Fixtures.vendor + "/invoice-2024.dat"])
        #expect(result.status == 2, "\(option)")
        #expect(result.errors.contains(named), "\(result.errors)")
    }

    @Test func sizesTakeDecimalAndBinaryUnits() {
        #expect(
            ByteSize(parsing: "400M")?.bytes == ScanLimits().maxExpandedBytes,
            "the default and 400M are the same size"
        )
        #expect(ByteSize(parsing: "400000000")?.bytes == 400_000_000)
        #expect(ByteSize(parsing: "64KiB")?.bytes == 65_536)
        #expect(ByteSize(parsing: "2GB")?.bytes == 2_000_000_000)
        #expect(ByteSize(parsing: "1.5G")?.bytes == 1_500_000_000)
        #expect(ByteSize(parsing: "-1") == nil)
        #expect(ByteSize(parsing: "nan") == nil)
        #expect(ByteSize(parsing: "99999999999T") == nil, "overflow is refused")
    }

    @Test func anOversizedExemptionsFileIsRefused() throws {
        let directory = TemporaryDirectory()
        let path = directory.file("exemptions.yaml")
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        let line = Data("# padding padding padding padding padding padding padding padding padding padding\n".utf8)
        for _ in 0..<((17 << 20) / line.count) { handle.write(line) }
        try handle.close()
        let clock = ContinuousClock()
        let started = clock.now
        let result = try EmbargoProcess.run(["scan", "--exemptions", path, Fixtures.vendor + "/invoice-2024.dat"])
        #expect(result.status == 2)
        #expect(result.errors.contains("larger than"), "\(result.errors)")
        #expect(clock.now - started < .seconds(10), "refused before reading it all")
    }

    @Test(arguments: ["scan", "policy"])
    func aPolicyThatCombinesItselfIsRefused(_ command: String) throws {
        let directory = TemporaryDirectory()
        let loop = try directory.write(
            "loop.yaml",
            text: "policy: loop\nname: Loop\ncitation: none\ncombine: [loop, loop]\n"
        )
        let shadow = try directory.write(
            "default.yaml",
            text: "policy: default\nname: Shadow\ncitation: none\ncombine: [default, fcc-covered-list]\n"
        )
        let findings = try directory.write("findings.jsonl", text: "")
        for policy in [loop, shadow] {
            let arguments =
                command == "scan"
                ? ["scan", "--policy", policy, Fixtures.vendor + "/invoice-2024.dat"]
                : ["policy", "evaluate", "--policy", policy, findings]
            let result = try EmbargoProcess.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.errors)")
            #expect(result.errors.contains("combines itself"), "\(result.errors)")
        }
    }

    // MARK: - Targets

    @Test func aSymbolicLinkNamedOnTheCommandLineIsFollowedOnce() throws {
        let directory = TemporaryDirectory()
        try directory.write("real/notes.txt", text: mentionText)
        try FileManager.default.createSymbolicLink(atPath: directory.file("link"), withDestinationPath: "real")
        try FileManager.default.createSymbolicLink(atPath: directory.file("real/loop"), withDestinationPath: "..")
        let result = try EmbargoProcess.run(["scan", "--format", "jsonl", "--fail-on", "never", directory.file("link")])
        #expect(result.status == 0, "\(result.errors)")
        let records = try result.records()
        #expect(records.contains { ($0["path"] as? String) == directory.file("link") + "/notes.txt" })
        #expect(records.last?["files"] as? Int == 1, "the link inside is not followed")
    }

    @Test func aTargetThatDoesNotExistIsAUsageError() throws {
        let result = try EmbargoProcess.run(["scan", Fixtures.vendor, "/nonexistent/embargo-target"])
        #expect(result.status == 2)
        #expect(result.errors.contains("/nonexistent/embargo-target"))
        #expect(result.output.isEmpty, "nothing is scanned")
    }

    // MARK: - Content

    @Test func aCompressedStreamThatLooksLikeAnEmptyTarIsReadAsOneFile() throws {
        let directory = TemporaryDirectory()
        let bytes = [UInt8](repeating: 0, count: 512) + "AO Kaspersky Lab".bytes
        let path = try directory.write("root.ext4", bytes)
        try Tool.run("gzip", ["-n", path])
        let result = try EmbargoProcess.run(["scan", "--format", "jsonl", "--fail-on", "never", path + ".gz"])
        let finding = try #require(try result.records().first { $0["type"] as? String == "finding" })
        #expect(finding["members"] as? [String] == ["root.ext4"])
        #expect(finding["vendor"] as? String == "kaspersky")
    }

    // MARK: - Output that fails

    @Test func aFullDiskIsAnErrorNotACrash() throws {
        let plain = try EmbargoProcess.run(["scan", "--format", "jsonl", "-o", "/dev/full", Fixtures.vendor])
        #expect(plain.status == 2, "\(plain.errors)")
        #expect(plain.errors.contains("No space left on device"), "\(plain.errors)")
        let directory = TemporaryDirectory()
        let database = directory.file("findings.sqlite")
        let stored = try EmbargoProcess.run([
            "scan", "--format", "json", "-o", "/dev/full", "--db", database, Fixtures.vendor,
        ])
        #expect(stored.status == 2)
        let listing = try EmbargoProcess.run(["report", "--db", database, "--list"]).text
        #expect(!listing.contains("unfinished"), "the store is finished although the report failed: \(listing)")
    }

    @Test func aReportOnAnUnreadableOutputIsAnError() throws {
        let result = try EmbargoProcess.run(["scan", "--format", "jsonl", "-o", "/proc/version", Fixtures.vendor])
        #expect(result.status == 2)
        #expect(result.errors.contains("/proc/version"), "\(result.errors)")
    }

    // MARK: - Interruption

    /// A tree whose report is far larger than a pipe holds, so that a scan writing it to a pipe nobody
    /// reads is still running when it is interrupted.
    static func manyMentions() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        for index in 0..<600 { try directory.write("tree/note-\(index).txt", text: mentionText) }
        return directory
    }

    @Test func anInterruptedScanFinishesItsReportAndStoreAndSaysSo() throws {
        let directory = try Self.manyMentions()
        let database = directory.file("findings.sqlite")
        let result = try EmbargoProcess.run(
            [
                "scan", "--format", "jsonl", "--fail-on", "never", "--jobs", "1", "--db", database,
                directory.file("tree"),
            ],
            signal: (SIGINT, .milliseconds(1_500))
        )
        #expect(result.status == 130, "\(result.errors)")
        let records = try result.records()
        let summary = try #require(records.last)
        #expect(summary["type"] as? String == "summary")
        #expect(summary["interrupted"] as? Bool == true)
        #expect((summary["files"] as? Int ?? 600) < 600, "the scan stopped early")
        let report = try EmbargoProcess.run(["report", "--db", database, "--format", "sarif"])
        let sarif = try #require(try JSONSerialization.jsonObject(with: Data(report.output)) as? [String: Any])
        let run = try #require((sarif["runs"] as? [[String: Any]])?.first)
        let invocation = try #require((run["invocations"] as? [[String: Any]])?.first)
        #expect(invocation["executionSuccessful"] as? Bool == false)
        let text = try EmbargoProcess.run(["report", "--db", database, "--format", "text"]).text
        #expect(text.contains("The scan did not finish"))
    }

    @Test func aScanKilledOutrightReadsAsUnfinishedInItsReport() throws {
        let directory = try Self.manyMentions()
        let database = directory.file("findings.sqlite")
        let killed = try EmbargoProcess.run(
            [
                "scan", "--format", "jsonl", "--fail-on", "never", "--jobs", "1", "--db", database,
                directory.file("tree"),
            ],
            signal: (SIGKILL, .milliseconds(1_500))
        )
        #expect(killed.status == 128 + SIGKILL)
        let text = try EmbargoProcess.run(["report", "--db", database, "--format", "text"]).text
        #expect(text.contains("The scan did not finish"), "\(text.prefix(400))")
    }
}
