/// LZNT1, the compression of NTFS compressed files: chunks of up to 4 KiB, each stored or
/// compressed as groups of eight tokens behind a flag byte, a token being a literal byte or a
/// back-reference whose split between offset and length bits grows with the position in the chunk.
enum LZNT1 {
    /// The decompressed bytes of `input`, at most `limit` of them.
    ///
    /// - Throws: `FormatError` when a chunk or a back-reference is damaged.
    static func decompress(_ input: [UInt8], limit: Int) throws(FormatError) -> [UInt8] {
        var output: [UInt8] = []
        var at = 0
        while at + 2 <= input.count, output.count < limit {
            let header = UInt16(input[at]) | UInt16(input[at + 1]) << 8
            if header == 0 { break }
            let length = Int(header & 0x0FFF) + 1
            let end = at + 2 + length
            guard end <= input.count else { throw FormatError.truncated("LZNT1 chunk runs past its unit") }
            if header & 0x8000 == 0 {
                output += input[(at + 2)..<end]
            } else {
                try decompressChunk(input[(at + 2)..<end], into: &output)
            }
            at = end
        }
        return Array(output.prefix(limit))
    }

    private static func decompressChunk(_ chunk: ArraySlice<UInt8>, into output: inout [UInt8]) throws(FormatError) {
        let chunkStart = output.count
        var index = chunk.startIndex
        while index < chunk.endIndex {
            let flags = chunk[index]
            index += 1
            for bit in 0..<8 where index < chunk.endIndex {
                if flags & (1 << bit) == 0 {
                    output.append(chunk[index])
                    index += 1
                    continue
                }
                guard index + 1 < chunk.endIndex else { throw FormatError.truncated("LZNT1 token cut short") }
                let token = Int(chunk[index]) | Int(chunk[index + 1]) << 8
                index += 2
                let position = output.count - chunkStart
                var lengthBits = 12
                var scan = position - 1
                while scan >= 0x10 {
                    lengthBits -= 1
                    scan >>= 1
                }
                let offset = (token >> lengthBits) + 1
                let length = (token & ((1 << lengthBits) - 1)) + 3
                guard offset <= position, position + length <= 4096 else {
                    throw FormatError.malformed("LZNT1 back-reference outside its chunk")
                }
                for _ in 0..<length { output.append(output[output.count - offset]) }
            }
        }
    }
}
