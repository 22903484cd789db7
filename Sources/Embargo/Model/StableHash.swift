internal import Crypto

/// Stable identifiers and partitions: SHA-256, the same on every machine and in every release.
enum StableHash {
    /// The first 16 bytes of the SHA-256, in hex.
    static func hex(of bytes: [UInt8]) -> String {
        Hex.string(SHA256.hash(data: bytes).prefix(16))
    }

    /// The first 8 bytes of the SHA-256, as an integer.
    static func value(of bytes: [UInt8]) -> UInt64 {
        SHA256.hash(data: bytes).prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
