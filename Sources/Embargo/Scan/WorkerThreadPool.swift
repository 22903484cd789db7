import Dispatch
import Foundation
internal import Synchronization

/// Threads of the scan's own for its workers. Reading files, libarchive, libmagic and SQLite block;
/// run on Swift's cooperative pool they would starve everything else of the process (the progress
/// display, the findings store's writer) whenever `--jobs` equals the number of cores. Workers run
/// with this executor as their preference, so their blocking calls happen here.
final class WorkerThreadPool: TaskExecutor, Sendable {
    private struct State {
        var jobs: [UnownedJob] = []
        var isShuttingDown = false
    }

    private let state = Mutex(State())
    private let available = DispatchSemaphore(value: 0)
    private let threadCount: Int

    /// Starts `count` threads.
    init(threads count: Int) {
        threadCount = max(1, count)
        for index in 0..<threadCount {
            let thread = Thread { [self] in work() }
            thread.name = "embargo-worker-\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        state.withLock { $0.jobs.append(job) }
        available.signal()
    }

    /// Lets the threads end once the jobs queued are done.
    func shutdown() {
        state.withLock { $0.isShuttingDown = true }
        for _ in 0..<threadCount { available.signal() }
    }

    private func work() {
        while true {
            available.wait()
            let next: UnownedJob? = state.withLock { state in
                state.jobs.isEmpty ? nil : state.jobs.removeFirst()
            }
            if let next {
                unsafe next.runSynchronously(on: asUnownedTaskExecutor())
            } else if state.withLock({ $0.isShuttingDown }) {
                return
            }
        }
    }
}
