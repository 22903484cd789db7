internal import Crypto

extension ItemContent {
    /// The item's size and checksum with `initial` (a fresh hash function), in lower-case hex; the
    /// holes of a sparse file count as the zeros they read as.
    func digest<Hash: HashFunction>(_ initial: Hash, buffer: ReadBuffer) throws -> (size: UInt64, hex: String) {
        var hash = initial
        let size = try stream(from: 0, through: buffer, onData: { hash.update(bufferPointer: $0) }, onHole: { count in
            let zeros = [UInt8](repeating: 0, count: 1 << 16)
            var remaining = count
            while remaining > 0 {
                let step = Int(min(remaining, UInt64(zeros.count)))
                zeros.withUnsafeBytes { hash.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<step])) }
                remaining -= UInt64(step)
            }
        })
        return (size, ScanWorker.hex(hash.finalize()))
    }
}
