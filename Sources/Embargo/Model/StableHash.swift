internal import Crypto

/// Stable identifiers: the first 16 bytes of a SHA-256, in hex.
enum StableHash {
    static func hex(of bytes: [UInt8]) -> String {
        ScanWorker.hex(SHA256.hash(data: bytes).prefix(16))
    }
}
