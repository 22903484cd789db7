#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
internal import CEmbargoSystem

/// Collects an archive member's bytes for random access: in memory up to a limit, then in an
/// unlinked temporary file, so that memory stays bounded however large the member is.
final class MemberSpool {
    private var memory: UnsafeMutableRawBufferPointer?
    private var count = 0
    private var descriptor: Int32 = -1
    private let memoryLimit: Int

    /// Starts a spool with the bytes already read.
    init(initial: [UInt8], memoryLimit: Int, sizeHint: Int64?) throws(SystemError) {
        self.memoryLimit = memoryLimit
        let capacity = max(min(initial.count, memoryLimit), min(Int(clamping: sizeHint ?? 0), memoryLimit), 1 << 16)
        memory = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, initial.count), alignment: 16)
        defer { bytes.deallocate() }
        bytes.copyBytes(from: initial)
        try append(UnsafeRawBufferPointer(rebasing: bytes[0..<initial.count]))
    }

    deinit {
        memory?.deallocate()
        if descriptor >= 0 { close(descriptor) }
    }

    /// Adds bytes.
    func append(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        if descriptor < 0, let current = memory {
            if count + bytes.count <= current.count, count + bytes.count <= memoryLimit {
                (current.baseAddress.unsafelyUnwrapped + count).copyMemory(from: bytes.baseAddress.unsafelyUnwrapped, byteCount: bytes.count)
                count += bytes.count
                return
            }
            if count + bytes.count <= memoryLimit {
                let grown = UnsafeMutableRawBufferPointer.allocate(
                    byteCount: min(memoryLimit, max(current.count * 2, count + bytes.count)), alignment: 16)
                grown.baseAddress.unsafelyUnwrapped.copyMemory(from: current.baseAddress.unsafelyUnwrapped, byteCount: count)
                current.deallocate()
                memory = grown
                try append(bytes)
                return
            }
            // Over the memory limit: move to a temporary file.
            descriptor = try Self.temporaryFile()
            try write(UnsafeRawBufferPointer(rebasing: current[0..<count]))
            current.deallocate()
            memory = nil
        }
        try write(bytes)
        count += bytes.count
    }

    /// The collected bytes as an item.
    func finish() throws(SystemError) -> ItemContent {
        if descriptor >= 0 {
            let content = ItemContent(spooled: descriptor, count: UInt64(count))
            descriptor = -1
            return content
        }
        let bytes = memory ?? UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 16)
        memory = nil
        return ItemContent(memory: bytes, count: count)
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var written = 0
        while written < bytes.count {
            let result = Glibc.write(descriptor, bytes.baseAddress.unsafelyUnwrapped + written, bytes.count - written)
            if result < 0 {
                if errno == EINTR { continue }
                throw SystemError.lastError("write to a temporary file")
            }
            written += result
        }
    }

    /// An unlinked temporary file in `$TMPDIR` (or `/tmp`): it disappears when closed.
    static func temporaryFile() throws(SystemError) -> Int32 {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array((directory + "/embargo-member-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { CEmbargoSystem_mkostemp($0.baseAddress.unsafelyUnwrapped, O_CLOEXEC) }
        guard descriptor >= 0 else { throw SystemError.lastError("create a temporary file") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress.unsafelyUnwrapped) }
        return descriptor
    }
}
