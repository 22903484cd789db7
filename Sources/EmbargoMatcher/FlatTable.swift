/// An immutable heap array of plain values that the scan loops read through a pointer.
///
/// Compiled matchers are shared by every worker, so their tables must be immutable and reachable
/// without reference counting or bounds checks in the inner loops. `FlatTable` copies an array
/// once, is never written again, and frees its memory when the last matcher using it goes away.
@safe
@usableFromInline
final class FlatTable<Element: BitwiseCopyable>: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<Element>
    @usableFromInline let count: Int

    init(_ elements: [Element]) {
        count = elements.count
        unsafe base = UnsafeMutablePointer<Element>.allocate(capacity: max(elements.count, 1))
        unsafe elements.withUnsafeBufferPointer { source in
            guard let sourceBase = source.baseAddress else { return }
            unsafe base.initialize(from: sourceBase, count: source.count)
        }
    }

    deinit {
        unsafe base.deallocate()
    }

    /// The memory the table holds, in bytes.
    var byteCount: Int { count * MemoryLayout<Element>.stride }

    /// The element at `index`, checked in debug builds only.
    @inlinable
    @inline(__always)
    subscript(index: Int) -> Element {
        assert(index >= 0 && index < count)
        return unsafe base[index]
    }
}
