internal import Synchronization

/// A bounded channel from a scan's workers to its one consumer: a worker's `send` waits while the
/// channel is full, so a slow consumer (a report on a slow disk, a remote findings store) slows the
/// workers down instead of letting results pile up in memory.
final class ResultChannel<Element: Sendable>: Sendable {
    private struct State {
        var buffer: [Element] = []
        var waitingSenders: [CheckedContinuation<Void, Never>] = []
        var waitingReceiver: CheckedContinuation<Element?, Never>?
        var sendersLeft: Int
        var isClosed = false
    }

    private let capacity: Int
    private let state: Mutex<State>

    /// A channel holding up to `capacity` elements, from `senders` senders: it ends once each has
    /// called `senderFinished()`.
    init(capacity: Int, senders: Int) {
        self.capacity = max(1, capacity)
        state = Mutex(State(sendersLeft: senders))
    }

    /// Sends an element, waiting while the channel is full; dropped once the channel is closed.
    func send(_ element: Element) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            state.withLock { state in
                if state.isClosed {
                    continuation.resume()
                } else if let receiver = state.waitingReceiver {
                    state.waitingReceiver = nil
                    receiver.resume(returning: element)
                    continuation.resume()
                } else if state.buffer.count < capacity {
                    state.buffer.append(element)
                    continuation.resume()
                } else {
                    state.buffer.append(element)
                    state.waitingSenders.append(continuation)
                }
            }
        }
    }

    /// Sends an element without waiting for room (a sender's last element, from a `defer`); dropped
    /// once the channel is closed.
    func sendWithoutWaiting(_ element: Element) {
        state.withLock { state in
            guard !state.isClosed else { return }
            if let receiver = state.waitingReceiver {
                state.waitingReceiver = nil
                receiver.resume(returning: element)
            } else {
                state.buffer.append(element)
            }
        }
    }

    /// Says that one sender will send no more.
    func senderFinished() {
        state.withLock { state in
            state.sendersLeft -= 1
            if state.sendersLeft <= 0, state.buffer.isEmpty, let receiver = state.waitingReceiver {
                state.waitingReceiver = nil
                receiver.resume(returning: nil)
            }
        }
    }

    /// The next element, or nil once every sender has finished and everything sent was taken (or the
    /// channel was closed). One consumer only.
    func next() async -> Element? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
            state.withLock { state in
                if state.isClosed {
                    continuation.resume(returning: nil)
                } else if !state.buffer.isEmpty {
                    let element = state.buffer.removeFirst()
                    if !state.waitingSenders.isEmpty { state.waitingSenders.removeFirst().resume() }
                    continuation.resume(returning: element)
                } else if state.sendersLeft <= 0 {
                    continuation.resume(returning: nil)
                } else {
                    state.waitingReceiver = continuation
                }
            }
        }
    }

    /// Stops the channel from the consumer's side: what is queued is dropped, waiting senders go on,
    /// and later sends are dropped.
    func close() {
        state.withLock { state in
            state.isClosed = true
            state.buffer.removeAll()
            for sender in state.waitingSenders { sender.resume() }
            state.waitingSenders.removeAll()
            state.waitingReceiver?.resume(returning: nil)
            state.waitingReceiver = nil
        }
    }
}
