internal import CEmbargoSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Collects an archive member's bytes for random access: in memory up to a limit, then in an
/// unlinked temporary file, so that memory stays bounded however large the member is.
@safe final class MemberSpool {
    private var memory: UnsafeMutableRawBufferPointer?
    private var count = 0
    private var descriptor: Int32 = -1
    private let memoryLimit: Int
    private let temporaryDirectory: String

    /// Starts an empty spool that holds up to `memoryLimit` bytes in memory (`sizeHint` bytes are
    /// reserved at once where known) and spills to `temporaryDirectory` beyond.
    init(memoryLimit: Int, sizeHint: Int64?, temporaryDirectory: String) {
        self.memoryLimit = max(0, memoryLimit)
        self.temporaryDirectory = temporaryDirectory
        let capacity = max(min(Int(clamping: sizeHint ?? 0), self.memoryLimit), 1 << 16)
        unsafe memory = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        unsafe memory?.deallocate()
        if descriptor >= 0 { close(descriptor) }
    }

    /// Adds bytes.
    func append(_ bytes: RawSpan) throws {
        try unsafe bytes.withUnsafeBytes { raw in try unsafe append(raw) }
    }

    /// Adds bytes.
    func append(_ bytes: [UInt8]) throws {
        try unsafe bytes.withUnsafeBytes { raw in try unsafe append(raw) }
    }

    private func append(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        guard bytes.count > 0 else { return }
        if descriptor < 0, let current = unsafe memory {
            let needed = count + bytes.count
            if needed <= memoryLimit {
                var target = unsafe current
                if needed > current.count {
                    unsafe target = UnsafeMutableRawBufferPointer.allocate(
                        byteCount: min(memoryLimit, max(current.count * 2, needed)),
                        alignment: 16
                    )
                    unsafe UnsafeMutableRawBufferPointer(rebasing: target[0..<count]).copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: current[0..<count])
                    )
                    unsafe current.deallocate()
                    unsafe memory = target
                }
                unsafe UnsafeMutableRawBufferPointer(rebasing: target[count..<needed]).copyMemory(from: bytes)
                count = needed
                return
            }
            // Over the memory limit: move to a temporary file.
            descriptor = try Self.temporaryFile(in: temporaryDirectory)
            try unsafe write(UnsafeRawBufferPointer(rebasing: current[0..<count]))
            unsafe current.deallocate()
            unsafe memory = nil
        }
        try unsafe write(bytes)
        count += bytes.count
    }

    /// The collected bytes as an item.
    func finish() -> ItemContent {
        if descriptor >= 0 {
            let content = ItemContent(spooled: descriptor, count: UInt64(count))
            descriptor = -1
            return content
        }
        let bytes = unsafe memory ?? UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 16)
        unsafe memory = nil
        return ItemContent(memory: unsafe OwnedBytes(taking: bytes, count: count))
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        try unsafe writeAll(descriptor, bytes, what: "write to a temporary file")
    }

    /// An unlinked temporary file in `directory`: it disappears when closed.
    static func temporaryFile(in directory: String) throws(SystemError) -> Int32 {
        var template = Array((directory + "/embargo-member-XXXXXX").utf8CString)
        let descriptor = unsafe CEmbargoSystem_mkostemp(&template, O_CLOEXEC)
        guard descriptor >= 0 else { throw SystemError.lastError("create a temporary file in \(directory)") }
        _ = unsafe unlink(template)
        return descriptor
    }
}
