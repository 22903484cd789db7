import Foundation

/// A directory under the system's temporary directory, removed with everything in it when the value
/// goes away.
public final class TemporaryDirectory: @unchecked Sendable {
    /// The directory's path.
    public let path: String

    /// Creates an empty directory.
    public init(_ label: String = "embargo-test") {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        path = "\(base)/\(label)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        // Make everything writable and readable first, so that tests that removed permissions clean up.
        _ = try? Process.run(URL(fileURLWithPath: "/bin/chmod"), arguments: ["-R", "u+rwx", path]).waitUntilExit()
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The path of `name` inside the directory.
    public func file(_ name: String) -> String { "\(path)/\(name)" }

    /// Writes a file (creating directories on the way) and returns its path.
    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let target = file(name)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true
        )
        guard FileManager.default.createFile(atPath: target, contents: Data(bytes)) else {
            throw TestSupportError("cannot write \(target)")
        }
        return target
    }

    /// Writes a text file.
    @discardableResult
    public func write(_ name: String, text: String) throws -> String {
        try write(name, Array(text.utf8))
    }
}

/// A test helper that could not do its job.
public struct TestSupportError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String

    /// An error.
    public init(_ description: String) {
        self.description = description
    }
}

/// The committed fixtures under `Tests/Fixtures`.
public enum Fixtures {
    /// `Tests/Fixtures`.
    public static let directory: String = {
        let here = URL(fileURLWithPath: #filePath)
        return here.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures").path
    }()

    /// `Tests/Fixtures/vendor`, made by `make-vendor-fixtures.sh`.
    public static var vendor: String { directory + "/vendor" }

    /// The package root (for `Signatures/`).
    public static var packageRoot: String {
        URL(fileURLWithPath: directory).deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Reads a committed fixture.
    public static func bytes(_ relativePath: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: vendor + "/" + relativePath) else {
            throw TestSupportError("missing fixture \(relativePath); run Tests/Fixtures/make-vendor-fixtures.sh")
        }
        return Array(data)
    }
}

/// The bytes of a real ELF executable of this system (`true`), to stand in for a product binary.
public func elfExecutable() throws -> [UInt8] {
    for path in ["/usr/bin/true", "/bin/true"] {
        if let data = FileManager.default.contents(atPath: path) { return Array(data) }
    }
    throw TestSupportError("no ELF executable found")
}
