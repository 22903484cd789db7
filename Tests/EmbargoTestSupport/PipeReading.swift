import Foundation

/// Reads a child's standard output and standard error to their ends at the same time, so that
/// neither pipe fills up and blocks the child.
func readToEnd(output: FileHandle, errors: FileHandle) -> (output: Data, errors: Data) {
    let collected = CollectedData()
    let reader = Thread { collected.data = output.readDataToEndOfFile() }
    reader.start()
    let errorData = errors.readDataToEndOfFile()
    while !collected.isDone { usleep(1000) }
    return (collected.data, errorData)
}

/// Data handed from the reading thread.
private final class CollectedData: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Data?

    var data: Data {
        get { lock.withLock { stored ?? Data() } }
        set { lock.withLock { stored = newValue } }
    }

    var isDone: Bool { lock.withLock { stored != nil } }
}
