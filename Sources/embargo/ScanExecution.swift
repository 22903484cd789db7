import Dispatch
import Embargo
import Foundation
import Synchronization

/// How a scan ended, for the command to turn into an exit code.
enum ScanOutcome {
    /// The scan ran (to the end, or until interrupted: the summary says which).
    case finished(ScanSummary)
    /// The scan could not go on, or its report or store could not be written.
    case failed(String)
}

/// Runs a scan into a session while the progress display runs and SIGINT or SIGTERM stop it
/// cleanly: the first signal stops taking new work and lets the report and the store be finished
/// as interrupted; a second one ends the process at once.
enum ScanExecution {
    /// This program, for starting the supervised scanning process.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Scans in a child process supervised by this one, which survives the child's crashes.
    static func run(
        supervisor: SupervisedScan,
        progress: ScanProgress,
        session: ScanSession,
        display: ProgressDisplay
    ) async -> ScanOutcome {
        let clock = ContinuousClock()
        let started = clock.now
        let interrupts = InterruptHandler { supervisor.stop() }
        defer { interrupts.stop() }
        display.start()
        let interrupted: Bool
        do {
            interrupted = try await supervisor.run(
                progress: progress,
                onResult: { try await session.take($0) },
                onCrash: { try await session.take(standalone: $0) }
            )
        } catch {
            display.stop()
            return .failed("\(error)")
        }
        display.stop()
        return await finish(session, elapsed: clock.now - started, interrupted: interrupted)
    }

    /// The scanning child's side: scans and hands its results to the parent.
    static func runChild(configuration: ScanConfiguration, statePath: String) async throws {
        let child = try ScanChild(configuration: configuration, statePath: statePath)
        let interrupts = InterruptHandler { child.stop() }
        defer { interrupts.stop() }
        try await child.run()
    }

    static func run(scanner: Embargo.Scanner, session: ScanSession, display: ProgressDisplay) async -> ScanOutcome {
        let clock = ContinuousClock()
        let started = clock.now
        let interrupts = InterruptHandler { scanner.stop() }
        display.start()
        let scanned: ScanSummary
        do {
            scanned = try await scanner.run { result in try await session.take(result) }
        } catch {
            display.stop()
            interrupts.stop()
            return .failed("\(error)")
        }
        display.stop()
        defer { interrupts.stop() }
        return await finish(session, elapsed: clock.now - started, interrupted: scanned.interrupted)
    }

    /// Finishes the report and the store.
    private static func finish(_ session: ScanSession, elapsed: Duration, interrupted: Bool) async -> ScanOutcome {
        do {
            let summary = try await session.finish(
                elapsed: elapsed,
                interrupted: interrupted,
                finishedAt: ScanCommand.timestamp(Date())
            )
            return .finished(summary)
        } catch let error as ReportError {
            return .failed(error.message)
        } catch {
            return .failed("--db: the findings store failed: \(error)")
        }
    }
}

/// Turns SIGINT and SIGTERM into a call of `onInterrupt` (once); a second signal exits with 130.
final class InterruptHandler {
    private let sources: [any DispatchSourceSignal]

    init(onInterrupt: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "embargo.signals")
        let count = Counter()
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                if count.increment() == 1 {
                    note("interrupted: finishing the report and the store (signal again to stop at once)")
                    onInterrupt()
                } else {
                    exit(ExitStatus.interrupted)
                }
            }
            source.resume()
            return source
        }
    }

    /// Stops listening and restores the signals' default effect.
    func stop() {
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    private final class Counter: Sendable {
        private let value = Atomic<Int>(0)

        /// The count after adding one.
        func increment() -> Int {
            value.add(1, ordering: .relaxed).newValue
        }
    }
}
