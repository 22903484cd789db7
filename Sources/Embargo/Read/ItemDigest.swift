internal import Crypto

extension ItemContent {
    /// The SHA-256 of the item in lower-case hex, or nil when it changed while it was read.
    func sha256(buffer: ReadBuffer) throws -> String? {
        try digest(SHA256(), buffer: buffer)?.hex
    }

    /// The item's size and checksum with `initial` (a fresh hash function), in lower-case hex; the
    /// holes of a sparse file count as the zeros they read as. Nil when the item changed while it was
    /// read, since the checksum would then be of other bytes than the size says.
    func digest<Hash: HashFunction>(_ initial: Hash, buffer: ReadBuffer) throws -> (size: UInt64, hex: String)? {
        var hash = initial
        let size = try stream(
            through: buffer,
            onData: { span in unsafe span.withUnsafeBytes { unsafe hash.update(bufferPointer: $0) } },
            onHole: { count in
                let zeros = [UInt8](repeating: 0, count: 1 << 16)
                var remaining = count
                while remaining > 0 {
                    let step = Int(min(remaining, UInt64(zeros.count)))
                    unsafe zeros.withUnsafeBytes {
                        unsafe hash.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<step]))
                    }
                    remaining -= UInt64(step)
                }
            }
        )
        guard change == nil, size == self.size else { return nil }
        return (size, Hex.string(hash.finalize()))
    }
}
