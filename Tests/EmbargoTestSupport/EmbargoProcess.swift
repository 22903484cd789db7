import Foundation

/// Runs the built `embargo` executable, as a user would.
public enum EmbargoProcess {
    /// What a run produced.
    public struct Result: Sendable {
        /// The exit status.
        public let status: Int32
        /// Standard output.
        public let output: [UInt8]
        /// Standard error, as text.
        public let errors: String
        /// The child's peak resident memory, in bytes, when the run was measured (see `run`).
        public let peakResidentBytes: Int?

        /// Standard output as text.
        public var text: String { String(decoding: output, as: UTF8.self) }

        /// The JSON Lines records of standard output, parsed.
        public func records() throws -> [[String: Any]] {
            try output.split(separator: 0x0A).map { line in
                guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                    throw TestSupportError("not a JSON object: \(String(decoding: line, as: UTF8.self))")
                }
                return object
            }
        }
    }

    /// The executable, next to the test bundle in the build directory.
    public static var executable: String {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = here.deletingLastPathComponent()
        // The test bundle may sit inside a .xctest directory.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("embargo").path),
            directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("embargo").path
    }

    /// Runs `embargo` with `arguments`, and `environment` added to the test's own; with `asUser`,
    /// drops to that user and group first (with setpriv, as root), so that permissions apply. With
    /// `measuringMemory`, the run goes through `/usr/bin/time`, which forks it from a small process:
    /// a child spawned straight from the test process would count the test process's memory as its
    /// own peak (posix_spawn shares the parent's memory until exec). With `signal`, the child is
    /// sent that signal once `delay` has passed, before anything is read from it: a child with more
    /// output than a pipe holds is then still running, blocked on the full pipe.
    public static func run(
        _ arguments: [String],
        asUser: (uid: Int, gid: Int)? = nil,
        environment: [String: String] = [:],
        measuringMemory: Bool = false,
        signal: (number: Int32, delay: Duration)? = nil
    ) throws -> Result {
        var command = [executable] + arguments
        if measuringMemory { command = ["/usr/bin/time", "-f", "\(peakMarker)%M"] + command }
        if let asUser {
            command =
                ["/usr/bin/setpriv", "--reuid=\(asUser.uid)", "--regid=\(asUser.gid)", "--clear-groups", "--"] + command
        }
        let out = Pipe()
        let err = Pipe()
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, out.fileHandleForWriting.fileDescriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, err.fileHandleForWriting.fileDescriptor, 2)
        var pid: pid_t = 0
        let argv = command.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let variables =
            ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { strdup("\($0.key)=\($0.value)") } + [
                nil
            ]
        defer { for variable in variables { free(variable) } }
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, variables)
        guard spawned == 0 else {
            throw TestSupportError("cannot run \(command[0]): \(String(cString: strerror(spawned)))")
        }
        try out.fileHandleForWriting.close()
        try err.fileHandleForWriting.close()
        if let signal {
            let nanoseconds =
                signal.delay.components.seconds * 1_000_000_000 + signal.delay.components.attoseconds / 1_000_000_000
            usleep(useconds_t(nanoseconds / 1_000))
            kill(pid, signal.number)
        }
        let (outputData, errorData) = readToEnd(output: out.fileHandleForReading, errors: err.fileHandleForReading)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        var errors = String(decoding: errorData, as: UTF8.self)
        var peak: Int?
        if measuringMemory, let marker = errors.range(of: peakMarker, options: .backwards) {
            peak = Int(errors[marker.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)).map { $0 * 1024 }
            errors = String(errors[..<marker.lowerBound])
        }
        return Result(status: exitStatus, output: Array(outputData), errors: errors, peakResidentBytes: peak)
    }

    private static let peakMarker = "EMBARGO-PEAK-KIB="
}
