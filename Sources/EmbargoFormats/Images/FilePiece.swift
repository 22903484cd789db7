/// One run of a file's bytes inside a file system image: stored at a range of the image, or a hole
/// that reads as zeros (a sparse file, an unwritten extent).
public enum FilePiece: Sendable, Hashable {
    /// The bytes at this range of the image.
    case stored(Range<UInt64>)
    /// This many zero bytes.
    case zeros(UInt64)

    /// The number of bytes the piece gives.
    public var length: UInt64 {
        switch self {
        case .stored(let range): UInt64(range.count)
        case .zeros(let count): count
        }
    }
}
