internal import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The supervising side of a scan that survives crashes it did not foresee. A Swift trap cannot be
/// caught, so the scan runs in a child process (the same command with `ScanChild` on the other end)
/// and this side only takes its results. When the child dies of a crash, the crash slots say which
/// item each worker was reading and which one crashed: that item is reported as a `crashed` event,
/// a new child starts, skips the files already done and the item crashed on, and the scan goes on.
/// The report and the store end complete, and the scan counts as incomplete.
public final class SupervisedScan: Sendable {
    private let executable: String
    private let arguments: [String]
    private let jobs: Int
    private let previousFiles: PreviousFiles?
    private let temporaryDirectory: String
    /// The child running now, and whether `stop()` was called.
    private let control = Mutex<(child: pid_t?, stopped: Bool)>((nil, false))
    /// The most children one scan starts before it gives up.
    static let maximumRestarts = 1_000

    /// A supervised scan that runs `executable` with `arguments` (plus the child's own options) for
    /// each child; `jobs` is the child's number of workers.
    public init(
        executable: String,
        arguments: [String],
        jobs: Int,
        previousFiles: PreviousFiles?,
        temporaryDirectory: String
    ) {
        self.executable = executable
        self.arguments = arguments
        self.jobs = max(1, jobs)
        self.previousFiles = previousFiles
        self.temporaryDirectory = temporaryDirectory
    }

    /// Asks the child to stop taking work and finish (SIGINT); the scan then ends as interrupted.
    public func stop() {
        let child = control.withLock { control in
            control.stopped = true
            return control.child
        }
        if let child { kill(child, SIGINT) }
    }

    /// Runs children until the scan is done, handing each unit's result to `onResult` and each item
    /// crashed on to `onCrash`, one at a time from the calling task.
    ///
    /// - Returns: whether the scan was interrupted.
    /// - Throws: `SupervisionError` when a child cannot start, fails without crashing (its own
    ///   message is on standard error), or crashes without progress again and again.
    public func run(
        progress: ScanProgress,
        onResult: (ScanUnitResult) async throws -> Void,
        onCrash: (ScanEvent) async throws -> Void
    ) async throws -> Bool {
        // Reading the child's channel blocks: this side runs on a thread of its own.
        let reader = WorkerThreadPool(threads: 1)
        defer { reader.shutdown() }
        return try await withTaskExecutorPreference(reader) {
            try await supervise(progress: progress, onResult: onResult, onCrash: onCrash)
        }
    }

    private func supervise(
        progress: ScanProgress,
        onResult: (ScanUnitResult) async throws -> Void,
        onCrash: (ScanEvent) async throws -> Void
    ) async throws -> Bool {
        let slots = try CrashSlots.create(count: jobs, in: temporaryDirectory)
        let statePath = temporaryDirectory + "/embargo-state-\(getpid())"
        defer { unsafe unlink(statePath) }
        var state = SupervisionState(previousFiles: previousFiles?.stamps)
        var doneDirectories: Set<[UInt8]> = []
        var fruitless = 0
        for _ in 0..<Self.maximumRestarts {
            slots.clear()
            try state.write(to: statePath)
            let child = try ChildProcess(
                executable: executable,
                arguments: arguments + ["--supervised-child-state", statePath],
                slots: slots
            )
            let stoppedAlready = control.withLock { control in
                control.child = child.pid
                return control.stopped
            }
            if stoppedAlready { kill(child.pid, SIGINT) }
            var received = 0
            var ending: Bool?
            var frames = FrameChannel(descriptor: child.channel)
            while let (kind, payload) = try frames.next() {
                switch kind {
                case .unit:
                    let result = try UnitResultCoding.decode(payload)
                    switch result.unit {
                    case .file(let path):
                        guard state.doneFiles.insert(path.bytes).inserted else { continue }
                        if let parts = result.imageParts {
                            state.doneFiles.insert(Supervision.splitKey(path, parts: parts))
                        }
                    case .imagePart(let path, let part, let parts):
                        guard state.doneFiles.insert(Supervision.partKey(path, part: part, parts: parts)).inserted
                        else {
                            continue
                        }
                    case .directory(let path):
                        guard doneDirectories.insert(path.bytes).inserted else { continue }
                    }
                    received += 1
                    progress.started(result.unit.path)
                    progress.add(result)
                    try await onResult(result)
                case .end:
                    var reader = FrameReader(payload)
                    ending = try reader.flag()
                }
            }
            let status = child.wait()
            control.withLock { $0.child = nil }
            let stopped = control.withLock { $0.stopped }
            switch status {
            case .exited(0):
                guard let interrupted = ending else {
                    throw SupervisionError("the scanning process ended without finishing its report")
                }
                return interrupted || stopped
            case .exited(let code):
                throw SupervisionError("the scanning process failed (exit status \(code))")
            case .signalled(let signal) where stopped && (signal == SIGINT || signal == SIGKILL || signal == SIGTERM):
                return true
            case .signalled(let signal):
                let crashed = crashedItems(slots, signal: signal)
                for (location, reason) in crashed {
                    state.skipped.append(location)
                    try await onCrash(ScanEvent(kind: .crashed, location: location, message: reason))
                }
                fruitless = received == 0 && crashed.isEmpty ? fruitless + 1 : 0
                guard fruitless < 3 else {
                    throw SupervisionError(
                        "the scanning process died of \(Self.name(of: signal)) three times without progress"
                    )
                }
            }
        }
        throw SupervisionError("the scanning process was restarted \(Self.maximumRestarts) times; giving up")
    }

    /// The items a child that died of `signal` was reading: the one whose thread crashed, or every
    /// item under way when none is marked (a kill for memory leaves no mark).
    private func crashedItems(_ slots: CrashSlots, signal: Int32) -> [(Location, String)] {
        let readings = (0..<slots.count).map { slots.read(slot: $0) }
        let marked = readings.filter { $0.signal != 0 }.compactMap { reading in
            reading.location.map { ($0, reading.signal) }
        }
        if !marked.isEmpty {
            return marked.map { location, signal in
                (
                    location,
                    "the scanner crashed (\(Self.name(of: signal))) while reading this; it was skipped and the scan went on"
                )
            }
        }
        return readings.compactMap(\.location).map { location in
            (
                location,
                "the scanner died (\(Self.name(of: signal))) while reading this, perhaps for lack of memory; it was skipped and the scan went on"
            )
        }
    }

    static func name(of signal: Int32) -> String {
        switch signal {
        case SIGSEGV: "SIGSEGV"
        case SIGILL: "SIGILL"
        case SIGBUS: "SIGBUS"
        case SIGFPE: "SIGFPE"
        case SIGABRT: "SIGABRT"
        case SIGTRAP: "SIGTRAP"
        case SIGKILL: "SIGKILL"
        default: "signal \(signal)"
        }
    }
}

/// A supervised scan that could not go on.
public struct SupervisionError: Error, Sendable, CustomStringConvertible {
    /// What happened.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
