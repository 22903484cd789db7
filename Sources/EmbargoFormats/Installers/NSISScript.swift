/// The compiled script in an NSIS header, read for the files it writes: the `SetOutPath`
/// (`EW_CREATEDIR`) and `File` (`EW_EXTRACTFILE`) instructions of NSIS 2 and 3, with their strings
/// (ANSI or UTF-16, variables such as `$INSTDIR` spelled out).
enum NSISScript {
    private static let createDirectory: UInt32 = 11
    private static let extractFile: UInt32 = 20
    private static let entrySize = 28

    /// The files, in data order, one per data block.
    static func files(in header: [UInt8]) -> [NSISInstaller.File] {
        let cursor = BinaryCursor(header)
        guard let entriesOffset = try? Int(cursor.u32le(at: 20)), let entryCount = try? Int(cursor.u32le(at: 24)),
            let stringsOffset = try? Int(cursor.u32le(at: 28)), let languagesOffset = try? Int(cursor.u32le(at: 36)),
            stringsOffset <= header.count
        else { return [] }
        let stringsEnd =
            languagesOffset > stringsOffset && languagesOffset <= header.count ? languagesOffset : header.count
        let strings = Strings(bytes: Array(header[stringsOffset..<stringsEnd]))
        var directory = "$INSTDIR"
        var files: [NSISInstaller.File] = []
        var positions: Set<UInt32> = []
        for index in 0..<min(entryCount, header.count / entrySize) {
            let base = entriesOffset + index * entrySize
            guard let which = try? cursor.u32le(at: base) else { break }
            let parameter = { (number: Int) in (try? cursor.u32le(at: base + 4 + 4 * number)) ?? 0 }
            switch which {
            case createDirectory where parameter(1) == 1:
                directory = strings.string(at: parameter(0))
            case extractFile:
                let position = parameter(2)
                guard positions.insert(position).inserted else { continue }
                let name = strings.string(at: parameter(1))
                let path = name.hasPrefix("$") || name.contains(":\\") ? name : directory + "\\" + name
                files.append(NSISInstaller.File(name: path.replacingBackslashes, position: UInt64(position)))
            default:
                break
            }
        }
        return files.sorted { $0.position < $1.position }
    }

    /// The string table: UTF-16LE in Unicode installers (told by the empty first string and the
    /// next string's zero high bytes), else ANSI bytes; special codes introduce variables.
    private struct Strings {
        let bytes: [UInt8]
        var isUnicode: Bool { bytes.count >= 4 && bytes[0] == 0 && bytes[1] == 0 && bytes[3] == 0 }

        func string(at pointer: UInt32) -> String {
            var text = ""
            let width = isUnicode ? 2 : 1
            var offset = Int(pointer) * width
            func unit(_ at: Int) -> UInt16? {
                guard at >= 0, at + width <= bytes.count else { return nil }
                return width == 2 ? UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 : UInt16(bytes[at])
            }
            // Unicode installers mark codes 1–4, ANSI ones 0xFC–0xFF; a code takes a two-byte value.
            let (language, shell, variable, skip): (UInt16, UInt16, UInt16, UInt16) =
                isUnicode ? (1, 2, 3, 4) : (255, 254, 253, 252)
            var units: [UInt16] = []
            while text.count + units.count < 1024, let value = unit(offset), value != 0 {
                offset += width
                guard [language, shell, variable, skip].contains(value) else {
                    units.append(value)
                    continue
                }
                guard offset + 2 <= bytes.count else { break }
                let low = UInt16(bytes[offset] & 0x7F)
                let high = UInt16(bytes[offset + 1] & 0x7F)
                offset += isUnicode ? 2 : 2
                text += decode(units)
                units.removeAll()
                switch value {
                case variable: text += Self.variableName(high << 7 | low)
                case shell: text += "$SHELLFOLDER"
                case language: text += "$(LANGSTRING)"
                default: units.append(UInt16(bytes[offset - 2]))
                }
            }
            return text + decode(units)
        }

        private func decode(_ units: [UInt16]) -> String {
            isUnicode
                ? String(decoding: units, as: UTF16.self)
                : String(decoding: units.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
        }

        static func variableName(_ index: UInt16) -> String {
            switch index {
            case 0..<10: "$\(index)"
            case 10..<20: "$R\(index - 10)"
            case 20: "$CMDLINE"
            case 21: "$INSTDIR"
            case 22: "$OUTDIR"
            case 23: "$EXEDIR"
            case 24: "$LANGUAGE"
            default: "$VAR\(index)"
            }
        }
    }
}

extension String {
    fileprivate var replacingBackslashes: String {
        String(map { $0 == "\\" ? "/" : $0 })
    }
}
