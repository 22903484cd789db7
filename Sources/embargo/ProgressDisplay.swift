import Embargo
import Foundation
import Synchronization

/// The progress line on standard error: files, bytes, rate and the current path, redrawn a few times
/// a second while the scan runs.
final class ProgressDisplay: Sendable {
    private let progress: ScanProgress
    private let enabled: Bool
    private let task = Mutex<Task<Void, Never>?>(nil)

    init(progress: ScanProgress, enabled: Bool) {
        self.progress = progress
        self.enabled = enabled
    }

    func start() {
        guard enabled else { return }
        let progress = progress
        let clock = ContinuousClock()
        let started = clock.now
        let running = Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(250))
                let counts = progress.counts
                let seconds = (clock.now - started).seconds
                let rate = seconds > 0 ? Double(counts.bytes) / seconds / 1_048_576 : 0
                var current = progress.currentPath.terminalSafe
                if current.count > 60 { current = "…" + current.suffix(59) }
                let line =
                    String(
                        format: "\r\u{1B}[K%d files, %.1f MiB, %.1f MiB/s, %d findings, %d errors  ",
                        counts.files,
                        Double(counts.bytes) / 1_048_576,
                        rate,
                        counts.findings,
                        counts.errors
                    ) + current
                writeStandardError(line)
            }
        }
        task.withLock { $0 = running }
    }

    func stop() {
        guard enabled else { return }
        task.withLock { $0?.cancel() }
        writeStandardError("\r\u{1B}[K")
    }
}
