/// Lower-case hexadecimal text of bytes (checksums, exact path bytes).
enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Two digits per byte.
    static func string(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
