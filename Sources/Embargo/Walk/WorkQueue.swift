internal import Synchronization

/// The shared to-do list of a scan's workers: directories still to list and files still to scan.
///
/// Workers take items with `next()`, add what they discover with `add(_:)` and say `finished()` when
/// done with an item. The queue ends (every `next()` returns nil) once it is empty and no worker holds
/// an item, since only a working worker can add more. Items are taken last-in first-out, so the walk
/// goes depth-first and the list stays as short as the directories being worked on. `cancel()` ends
/// the work early: the items left are dropped and every `next()` returns nil.
final class WorkQueue<Item: Sendable>: Sendable {
    private struct State {
        var items: [Item]
        var active = 0
        var waiters: [CheckedContinuation<Item?, Never>] = []
        var isCancelled = false
    }

    private let state: Mutex<State>

    init(_ items: [Item]) {
        state = Mutex(State(items: items.reversed()))
    }

    /// The next item, or nil when the work is done. Whoever gets an item must call `finished()`.
    func next() async -> Item? {
        await withCheckedContinuation { continuation in
            state.withLock { state in
                if state.isCancelled {
                    continuation.resume(returning: nil)
                } else if let item = state.items.popLast() {
                    state.active += 1
                    continuation.resume(returning: item)
                } else if state.active == 0 {
                    continuation.resume(returning: nil)
                } else {
                    state.waiters.append(continuation)
                }
            }
        }
    }

    /// Adds items; the last one is taken first.
    func add(_ items: [Item]) {
        state.withLock { state in
            guard !state.isCancelled else { return }
            for item in items {
                if state.waiters.isEmpty {
                    state.items.append(item)
                } else {
                    state.active += 1
                    state.waiters.removeFirst().resume(returning: item)
                }
            }
        }
    }

    /// Marks one item taken with `next()` as done.
    func finished() {
        state.withLock { state in
            state.active -= 1
            if state.active == 0, state.items.isEmpty {
                for waiter in state.waiters { waiter.resume(returning: nil) }
                state.waiters.removeAll()
            }
        }
    }

    /// Stops handing out work: the items left are dropped, and every `next()` returns nil from now.
    func cancel() {
        state.withLock { state in
            state.isCancelled = true
            state.items.removeAll()
            for waiter in state.waiters { waiter.resume(returning: nil) }
            state.waiters.removeAll()
        }
    }

    /// Whether `cancel()` was called.
    var isCancelled: Bool { state.withLock { $0.isCancelled } }
}
