/// A source of zeros (a VMDK `ZERO` extent).
public struct ZeroBytes: ByteSource {
    /// How many zeros.
    public let size: UInt64

    /// `size` zeros.
    public init(size: UInt64) { self.size = size }

    /// Up to `length` zeros.
    public func bytes(at offset: UInt64, count length: Int) throws -> [UInt8] {
        guard offset < size, length > 0 else { return [] }
        return [UInt8](repeating: 0, count: Int(min(UInt64(length), size - offset)))
    }
}
