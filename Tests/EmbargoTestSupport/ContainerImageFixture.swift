import Foundation

/// Container image archives laid out as `docker save` and OCI tools write them, by
/// `Tests/Fixtures/make-container-image.py`, from root file systems that the test builds step by step
/// with the real dpkg (as `RUN dpkg -i` and `RUN dpkg --purge` steps of a Dockerfile would).
public enum ContainerImageFixture {
    /// How the archive is laid out.
    public enum Layout: String, Sendable, CaseIterable {
        /// Docker ≤ 24: `ID/layer.tar`, `CONFIG.json`, `manifest.json`.
        case docker
        /// Docker ≥ 25: an OCI layout with `manifest.json` beside it.
        case dockerOCI = "docker-oci"
        /// An OCI image layout with gzip layers.
        case oci
    }

    /// A root file system that build steps change, snapshotted after each.
    public final class Build: @unchecked Sendable {
        let directory: TemporaryDirectory
        let root: String
        /// The snapshots taken so far, oldest first.
        public private(set) var snapshots: [String] = []

        /// A root with an empty dpkg database and an ordinary file, snapshotted.
        public init(in directory: TemporaryDirectory) throws {
            self.directory = directory
            let name = "root-\(UUID().uuidString)"
            root = directory.file(name)
            try directory.write(name + "/var/lib/dpkg/status", [])
            try directory.write(name + "/etc/hostname", Array("build\n".utf8))
            for folder in ["var/lib/dpkg/info", "var/lib/dpkg/updates"] {
                try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
            }
            try snapshot()
        }

        /// Runs dpkg on the root (`-i PACKAGE.deb`, `--purge NAME`), then snapshots it.
        public func dpkg(_ arguments: [String]) throws {
            try Tool.run(
                "dpkg",
                [
                    "--root=\(root)", "--log=/dev/null", "--force-not-root", "--force-script-chrootless",
                    "--force-depends", "--force-unsafe-io",
                ] + arguments
            )
            try snapshot()
        }

        /// Writes a file into the root, then snapshots it.
        public func write(_ path: String, _ bytes: [UInt8]) throws {
            let target = root + "/" + path
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: target).deletingLastPathComponent().path,
                withIntermediateDirectories: true
            )
            try Data(bytes).write(to: URL(fileURLWithPath: target))
            try snapshot()
        }

        private func snapshot() throws {
            let copy = directory.file("snapshot-\(UUID().uuidString)")
            try Tool.run("cp", ["-a", root, copy])
            snapshots.append(copy)
        }
    }

    /// Writes an archive at `path` holding `images` (name → the snapshots of its build steps; an image
    /// has one layer per snapshot) and returns its path.
    @discardableResult
    public static func write(
        _ path: String,
        layout: Layout,
        images: [(name: String, snapshots: [String])]
    ) throws
        -> String
    {
        try Tool.run(
            Fixtures.directory + "/make-container-image.py",
            [path, layout.rawValue] + images.map { "\($0.name)=\($0.snapshots.joined(separator: ","))" }
        )
        return path
    }
}
