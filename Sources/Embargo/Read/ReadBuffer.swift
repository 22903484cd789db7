/// A worker's reusable read buffer: one allocation for every file and member the worker reads.
@safe final class ReadBuffer {
    /// 1 MiB: large enough to amortise system calls, small enough to stay in the L2 cache.
    static let defaultSize = 1 << 20
    private let storage: UnsafeMutableRawBufferPointer

    init(size: Int = ReadBuffer.defaultSize) {
        unsafe storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, size), alignment: 64)
    }

    deinit {
        unsafe storage.deallocate()
    }

    /// The buffer's size in bytes.
    var count: Int { unsafe storage.count }

    /// Lets `fill` write up to `limit` bytes into the buffer (it returns how many it wrote, at most
    /// the buffer's size), then hands those bytes to `use` unless there are none.
    ///
    /// - Returns: how many bytes were filled.
    @discardableResult
    func chunk(
        upTo limit: Int,
        fill: (UnsafeMutableRawBufferPointer) throws -> Int,
        use: (RawSpan) throws -> Void
    ) throws -> Int {
        let room = unsafe UnsafeMutableRawBufferPointer(rebasing: storage[0..<max(0, min(limit, storage.count))])
        let count = try unsafe fill(room)
        guard count > 0 else { return 0 }
        guard count <= room.count else {
            throw SystemError(operation: "read", code: 0, message: "a reader overfilled its buffer")
        }
        try unsafe use(UnsafeRawBufferPointer(rebasing: room[0..<count]).bytes)
        return count
    }
}
