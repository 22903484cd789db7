/// One run of a file's bytes inside a file system image: stored at a range of the image, a hole
/// that reads as zeros (a sparse file, an unwritten extent), bytes given whole, or stored compressed.
public enum FilePiece: Sendable, Hashable {
    /// The bytes at this range of the image.
    case stored(Range<UInt64>)
    /// This many zero bytes.
    case zeros(UInt64)
    /// Bytes the file system keeps in its metadata or had to decode (NTFS resident or compressed
    /// data), given whole.
    case literal([UInt8])
    /// Bytes stored compressed at a range of the image, decoded when read.
    case compressed(CompressedRun)
}
