#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A scanning process started by the supervising parent: the channel it writes its results to is
/// its descriptor 3, the crash slots its descriptor 4. It runs in a process group of its own, so that
/// an interrupt from the terminal reaches the parent, which asks the child to stop once.
struct ChildProcess {
    /// How a child ended.
    enum Status: Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    let pid: pid_t
    /// The read end of the child's channel.
    let channel: Int32

    /// Starts `executable` with `arguments`.
    ///
    /// - Throws: `SupervisionError` when the process cannot be started.
    init(executable: String, arguments: [String], slots: CrashSlots) throws(SupervisionError) {
        var ends: [Int32] = [-1, -1]
        guard unsafe pipe(&ends) == 0 else {
            throw SupervisionError("cannot make a pipe: \(SystemError.lastError("pipe").message)")
        }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        var actions = unsafe posix_spawn_file_actions_t()
        unsafe posix_spawn_file_actions_init(&actions)
        defer { unsafe posix_spawn_file_actions_destroy(&actions) }
        unsafe posix_spawn_file_actions_adddup2(&actions, ends[1], ScanChild.channelDescriptor)
        unsafe posix_spawn_file_actions_adddup2(&actions, slots.descriptor, ScanChild.slotsDescriptor)
        var attributes = posix_spawnattr_t()
        unsafe posix_spawnattr_init(&attributes)
        defer { unsafe posix_spawnattr_destroy(&attributes) }
        unsafe posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        unsafe posix_spawnattr_setpgroup(&attributes, 0)
        let argv = unsafe ([executable] + arguments).map { unsafe strdup($0) } + [nil]
        // The formatter would drop the space in `for unsafe pointer`.
        // swift-format-ignore
        defer { for unsafe pointer in unsafe argv { unsafe free(pointer) } }
        var environment = ProcessEnvironment.current.filter { !$0.hasPrefix("SWIFT_BACKTRACE=") }
        // A crash is reported by the parent; a backtrace of the child would only delay the restart.
        environment.append("SWIFT_BACKTRACE=enable=no")
        let envp = unsafe environment.map { unsafe strdup($0) } + [nil]
        // The formatter would drop the space in `for unsafe pointer`.
        // swift-format-ignore
        defer { for unsafe pointer in unsafe envp { unsafe free(pointer) } }
        var pid: pid_t = 0
        let status = unsafe posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(ends[1])
        guard status == 0 else {
            close(ends[0])
            throw SupervisionError("cannot start \(executable): \(unsafe String(cString: strerror(status)))")
        }
        self.pid = pid
        channel = ends[0]
    }

    /// Waits for the child to end; closes the channel.
    func wait() -> Status {
        close(channel)
        var status: Int32 = 0
        while unsafe waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let signal = status & 0x7F
        return signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
    }
}

/// The frames a scanning process writes to its channel, read as they come.
struct FrameChannel {
    let descriptor: Int32
    private var buffer: [UInt8] = []
    private var start = 0

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// The next frame, or nil at the end of the channel (the child ended, or died). A frame cut short
    /// by the child's death counts as the end.
    ///
    /// - Throws: `SupervisionError` when the channel cannot be read or a frame is not one.
    mutating func next() throws(SupervisionError) -> (FrameKind, [UInt8])? {
        while true {
            if buffer.count - start >= 5 {
                let length = (0..<4).reduce(0) { $0 | Int(buffer[start + 1 + $1]) << (8 * $1) }
                if buffer.count - start >= 5 + length {
                    guard let kind = FrameKind(rawValue: buffer[start]) else {
                        throw SupervisionError("the scanning process sent a frame of unknown kind")
                    }
                    let payload = Array(buffer[(start + 5)..<(start + 5 + length)])
                    start += 5 + length
                    return (kind, payload)
                }
            }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            let count = unsafe chunk.withUnsafeMutableBytes { unsafe read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SupervisionError(
                    "cannot read from the scanning process: \(SystemError.lastError("read").message)"
                )
            }
            if count == 0 { return nil }
            buffer += chunk[0..<count]
        }
    }
}

/// The process's environment as `NAME=value` strings.
enum ProcessEnvironment {
    static var current: [String] {
        var result: [String] = []
        var pointer = unsafe environ
        while let entry = unsafe pointer.pointee {
            result.append(unsafe String(cString: entry))
            unsafe pointer += 1
        }
        return result
    }
}
