internal import CEmbargoSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The scanning side of a supervised scan: runs the scan in a process of its own, hands each unit's
/// result to the supervising parent as a frame, and keeps its crash slots up to date, so that a crash
/// costs the parent one item, not the scan. See `SupervisedScan` for the parent's side.
public final class ScanChild: Sendable {
    /// The descriptor of the channel to the parent.
    public static let channelDescriptor: Int32 = 3
    /// The descriptor of the crash slots shared with the parent.
    public static let slotsDescriptor: Int32 = 4

    private let scanner: Scanner

    /// A child process's scan of `configuration`, resuming from the state the parent wrote to
    /// `statePath` (files already done, items crashed on, an incremental scan's previous files).
    ///
    /// - Throws: `SystemError` or `FrameError` when the state or the slots cannot be read.
    public init(configuration: ScanConfiguration, statePath: String) throws {
        CEmbargoSystem_die_with_parent(SIGKILL)
        let state = try SupervisionState.read(from: statePath)
        let slots = try CrashSlots.attach(descriptor: Self.slotsDescriptor, count: max(1, configuration.jobs))
        var configuration = configuration
        configuration.supervision = Supervision(slots: slots, doneFiles: state.doneFiles, skipped: Set(state.skipped))
        if let previous = state.previousFiles { configuration.previousFiles = PreviousFiles(previous) }
        scanner = Scanner(configuration: configuration)
    }

    /// Stops the scan (the parent asked, with SIGINT): the units under way finish and are handed over.
    public func stop() {
        scanner.stop()
    }

    /// Scans, writing every unit's result to the channel, and an end frame that says whether the scan
    /// was interrupted.
    ///
    /// - Throws: `ScanError` when the scan cannot start, `SystemError` when the channel fails.
    public func run() async throws {
        let writer = WorkerThreadPool(threads: 1)
        defer { writer.shutdown() }
        // Writing to the channel blocks while the parent is behind: on a thread of its own.
        try await withTaskExecutorPreference(writer) {
            var frames = FrameBuffer()
            let summary = try await scanner.run { result in
                try frames.add(kind: .unit, UnitResultCoding.encode(result))
            }
            var end = FrameWriter()
            end.flag(summary.interrupted)
            try frames.add(kind: .end, end.bytes)
            try frames.flush()
        }
    }
}

/// Frames on their way to the parent: written together once 64 KiB are gathered or 50 ms have
/// passed, so that a tree of small files does not cost a system call each. Results lost with an
/// unwritten buffer in a crash are units the parent does not have: the next process does them again.
private struct FrameBuffer {
    private var bytes: [UInt8] = []
    private let clock = ContinuousClock()
    private var lastFlush = ContinuousClock().now

    /// Adds one frame: its kind, its length (4 bytes, little-endian) and its payload.
    mutating func add(kind: FrameKind, _ payload: [UInt8]) throws(SystemError) {
        let length = UInt32(payload.count)
        bytes.append(kind.rawValue)
        bytes += [
            UInt8(truncatingIfNeeded: length), UInt8(truncatingIfNeeded: length >> 8),
            UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 24),
        ]
        bytes += payload
        if bytes.count >= 64 << 10 || clock.now - lastFlush >= .milliseconds(50) { try flush() }
    }

    /// Writes what is gathered.
    mutating func flush() throws(SystemError) {
        guard !bytes.isEmpty else { return }
        try writeAll(ScanChild.channelDescriptor, bytes, what: "write to the supervising process")
        bytes.removeAll(keepingCapacity: true)
        lastFlush = clock.now
    }
}

/// The kinds of frames a scanning process sends its parent.
enum FrameKind: UInt8 {
    /// A unit's result.
    case unit = 1
    /// The scan ended; the payload says whether it was interrupted.
    case end = 2
}

/// What a restarted scanning process resumes from.
struct SupervisionState {
    var previousFiles: [[UInt8]: FileStamp]?
    var doneFiles: Set<[UInt8]> = []
    var skipped: [Location] = []

    func write(to path: String) throws(SystemError) {
        var writer = FrameWriter()
        writer.flag(previousFiles != nil)
        if let previousFiles {
            writer.integer(previousFiles.count)
            for (path, stamp) in previousFiles {
                writer.data(path)
                writer.stamp(stamp)
            }
        }
        writer.integer(doneFiles.count)
        for file in doneFiles { writer.data(file) }
        writer.integer(skipped.count)
        for location in skipped { writer.location(location) }
        let descriptor = unsafe open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SystemError.lastError("write \(path)") }
        defer { close(descriptor) }
        try writeAll(descriptor, writer.bytes, what: "write \(path)")
    }

    static func read(from path: String) throws -> SupervisionState {
        let content = try ItemContent(path: ScanPath(path))
        var reader = FrameReader(try content.bytes(at: 0, count: Int(clamping: content.size)))
        var state = SupervisionState()
        if try reader.flag() {
            var previous: [[UInt8]: FileStamp] = [:]
            for _ in 0..<(try reader.count()) {
                let file = try reader.data()
                previous[file] = try reader.stamp()
            }
            state.previousFiles = previous
        }
        for _ in 0..<(try reader.count()) { state.doneFiles.insert(try reader.data()) }
        for _ in 0..<(try reader.count()) { state.skipped.append(try reader.location()) }
        return state
    }
}
