internal import CEmbargoSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ItemContent {
    /// Files at least this large are streamed through a read-only mapping rather than copied with
    /// `pread`: the page cache is read in place.
    static let mappingThreshold: UInt64 = 256 << 10
    /// How much of a file is mapped at once, so that resident memory stays bounded.
    static let mappingWindow = 64 << 20
    /// How much of a mapping is handed over at a time (the matcher streams either way).
    static let mappingChunk = 1 << 20

    /// Streams the content from `start` to the size it had when opened: data chunks to `onData`,
    /// holes of sparse files to `onHole` (as a length), so that a 10 GB sparse file costs as much as
    /// its data. A file that ends early or has grown meanwhile is noted (see `change`).
    ///
    /// - Returns: the offset reached (data plus holes).
    @discardableResult
    func stream(
        from start: UInt64 = 0,
        through buffer: ReadBuffer,
        onData: (RawSpan) throws -> Void,
        onHole: (UInt64) throws -> Void = { _ in }
    ) throws -> UInt64 {
        var offset = start
        if !isSparse, case .descriptor(let descriptor) = storage, size >= Self.mappingThreshold {
            offset = try streamMapped(descriptor, from: start, onData: onData)
        } else if case .memory(let memory) = storage {
            if start < size {
                let bytes = unsafe memory.unsafeBytes
                var position = Int(start)
                while position < bytes.count {
                    let end = min(bytes.count, position + Self.mappingChunk)
                    try unsafe onData(UnsafeRawBufferPointer(rebasing: bytes[position..<end]).bytes)
                    position = end
                }
            }
            return max(start, size)
        }
        var segmentEnd = size
        if isSparse, case .descriptor(let descriptor) = storage {
            guard let segment = try skipHole(descriptor, from: offset, onHole: onHole) else { return max(size, offset) }
            (offset, segmentEnd) = segment
        }
        while offset < size {
            let want = Int(min(UInt64(buffer.count), segmentEnd - offset))
            let count = try unsafe buffer.chunk(
                upTo: want,
                fill: { room throws(SystemError) in try unsafe read(into: room, at: offset) },
                use: onData
            )
            guard count > 0 else {
                noteChange("it ended at \(offset) bytes, not the \(size) it had when opened")
                return offset
            }
            offset += UInt64(count)
            guard offset >= segmentEnd, offset < size, case .descriptor(let descriptor) = storage else { continue }
            // The end of a data segment of a sparse file: skip the hole after it.
            guard let segment = try skipHole(descriptor, from: offset, onHole: onHole) else { return size }
            (offset, segmentEnd) = segment
        }
        if hasGrown() { noteChange("it grew past the \(size) bytes it had when opened; only those were read") }
        return offset
    }

    /// Skips the hole (if any) at `offset` of a sparse file, reporting its length; returns the next
    /// data segment's start and end, or nil when only a hole is left (which is reported too).
    private func skipHole(
        _ descriptor: Int32,
        from offset: UInt64,
        onHole: (UInt64) throws -> Void
    ) throws -> (start: UInt64, end: UInt64)? {
        let data = lseek(descriptor, off_t(offset), CEmbargoSystem_seek_data())
        guard data >= 0, UInt64(data) < size else {
            if size > offset { try onHole(size - offset) }
            return nil
        }
        if UInt64(data) > offset { try onHole(UInt64(data) - offset) }
        let hole = lseek(descriptor, data, CEmbargoSystem_seek_hole())
        return (UInt64(data), hole < 0 ? size : min(size, UInt64(hole)))
    }

    /// Streams the file's bytes from `start` to the size it had when opened through guarded
    /// mappings (see `CEmbargoSystem_map_guarded`); returns the offset reached. A file that shrinks
    /// meanwhile reads as zeros past its new end; that is noted, and the stream stops there.
    private func streamMapped(
        _ descriptor: Int32,
        from start: UInt64,
        onData: (RawSpan) throws -> Void
    ) throws -> UInt64 {
        let page = UInt64(max(1, sysconf(Int32(_SC_PAGESIZE))))
        var offset = start
        while offset < size {
            let windowStart = offset / page * page
            let length = Int(min(UInt64(Self.mappingWindow), size - windowStart))
            var slot: Int32 = 0
            guard let base = unsafe CEmbargoSystem_map_guarded(descriptor, Int64(windowStart), UInt(length), &slot)
            else {
                return offset  // Not mappable (or no guard slot free): the caller reads the rest with pread.
            }
            var position = Int(offset - windowStart)
            do {
                while position < length {
                    let end = min(length, position + Self.mappingChunk)
                    try unsafe onData(UnsafeRawBufferPointer(start: base + position, count: end - position).bytes)
                    position = end
                }
            } catch {
                _ = unsafe CEmbargoSystem_unmap_guarded(base, UInt(length), slot)
                throw error
            }
            if unsafe CEmbargoSystem_unmap_guarded(base, UInt(length), slot) != 0 {
                noteChange("it shrank while it was read (its end read as zeros)")
                return size
            }
            offset = windowStart + UInt64(length)
        }
        return offset
    }
}
