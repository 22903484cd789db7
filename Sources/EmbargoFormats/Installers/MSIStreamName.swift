/// The names of streams in a Windows Installer database: the installer packs two characters of the
/// set `0-9A-Za-z._` into one UTF-16 unit between U+3800 and U+47FF, one character into U+4800 to
/// U+483F, and marks its tables' streams with U+4840 (shown as `!`). Other names are plain UTF-16.
enum MSIStreamName {
    static func decode(_ units: [UInt16]) -> String {
        var scalars = String.UnicodeScalarView()
        var plain: [UInt16] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: plain, as: UTF16.self).unicodeScalars)
            plain.removeAll()
        }
        for unit in units {
            switch unit {
            case 0x3800..<0x4800:
                flush()
                let packed = unit - 0x3800
                scalars.append(character(packed & 0x3F))
                scalars.append(character(packed >> 6))
            case 0x4800..<0x4840:
                flush()
                scalars.append(character(unit - 0x4800))
            case 0x4840:
                flush()
                scalars.append("!")
            default:
                plain.append(unit)
            }
        }
        flush()
        return String(scalars)
    }

    private static func character(_ code: UInt16) -> Unicode.Scalar {
        switch code {
        case 0..<10: Unicode.Scalar(UInt8(ascii: "0") + UInt8(code))
        case 10..<36: Unicode.Scalar(UInt8(ascii: "A") + UInt8(code - 10))
        case 36..<62: Unicode.Scalar(UInt8(ascii: "a") + UInt8(code - 36))
        case 62: "."
        default: "_"
        }
    }
}
