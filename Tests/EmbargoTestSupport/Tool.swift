import Foundation

/// Runs the real tools that build test fixtures (dpkg-deb, createrepo_c, sfdisk, mkfs.vfat, xorriso,
/// ...), as installed by `scripts/install-dependencies.sh`.
public enum Tool {
    /// Runs `program` (an absolute path, or a name looked up on PATH, /usr/sbin and /sbin) with `arguments` in `directory`;
    /// returns standard output.
    ///
    /// - Throws: `TestSupportError` with the tool's standard error when it is missing or fails.
    @discardableResult
    public static func run(_ program: String, _ arguments: [String], in directory: String? = nil) throws -> [UInt8] {
        let process = Process()
        guard let executable = locate(program) else {
            throw TestSupportError("\(program) is not installed (scripts/install-dependencies.sh installs it)")
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let (outputData, errorData) = readToEnd(
            output: output.fileHandleForReading,
            errors: errors.fileHandleForReading
        )
        process.waitUntilExit()
        let errorText = String(decoding: errorData, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw TestSupportError(
                "\(program) \(arguments.joined(separator: " ")) failed (\(process.terminationStatus)): \(errorText)"
            )
        }
        return Array(outputData)
    }

    /// Runs a shell command line (for pipelines and redirections).
    @discardableResult
    public static func shell(_ command: String, in directory: String? = nil) throws -> [UInt8] {
        try run("sh", ["-c", command], in: directory)
    }

    static func locate(_ program: String) -> String? {
        if program.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") + ":/usr/sbin:/sbin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
