/// NSIS's variant of bzip2, decoded: the blocks of bzip2 (Burrows–Wheeler transform, move-to-front,
/// Huffman coding of runs) without the stream header, the 48-bit block and end markers (one byte,
/// 0x31 or 0x17, instead) or the checksums. No library reads it, so it is decoded here to the bzip2
/// format's description; every count and code read is checked, and a block holds at most 900,000
/// bytes before its last run-length stage.
final class NSISBzip2Decoder {
    private let source: any ByteSource
    private var position: UInt64
    private let end: UInt64
    private var input: [UInt8] = []
    private var inputIndex = 0
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0
    /// The decoded block not yet handed out, and where the caller is in it.
    private var block: [UInt8] = []
    private var blockIndex = 0
    private var finished = false
    private static let maxBlock = 900_000

    init(source: some ByteSource, range: Range<UInt64>) {
        self.source = source
        position = range.lowerBound
        end = min(range.upperBound, source.size)
    }

    /// Up to `count` more decoded bytes; fewer only at the end of the stream.
    ///
    /// - Throws: `FormatError` when the data is damaged, or the source's error.
    func read(upTo count: Int) throws -> [UInt8] {
        var output: [UInt8] = []
        while output.count < count {
            if blockIndex == block.count {
                guard !finished, try decodeBlock() else { break }
                continue
            }
            let take = min(count - output.count, block.count - blockIndex)
            output += block[blockIndex..<(blockIndex + take)]
            blockIndex += take
        }
        return output
    }

    // MARK: - Bits

    private func bits(_ count: Int) throws -> Int {
        while bitCount < count {
            if inputIndex == input.count {
                guard position < end else { throw FormatError.truncated("NSIS bzip2 data ends inside a block") }
                input = try source.bytes(at: position, count: Int(min(1 << 16, end - position)))
                guard !input.isEmpty else { throw FormatError.truncated("NSIS bzip2 data") }
                position += UInt64(input.count)
                inputIndex = 0
            }
            bitBuffer = bitBuffer << 8 | UInt64(input[inputIndex])
            inputIndex += 1
            bitCount += 8
        }
        bitCount -= count
        return Int((bitBuffer >> UInt64(bitCount)) & ((1 << UInt64(count)) - 1))
    }

    // MARK: - Blocks

    /// Decodes the next block into `block`; false at the end marker.
    private func decodeBlock() throws -> Bool {
        switch try bits(8) {
        case 0x17:
            finished = true
            return false
        case 0x31: break
        default: throw FormatError.malformed("NSIS bzip2 block marker missing")
        }
        let origin = try bits(24)
        // The bytes the block uses: 16 ranges of 16, each flagged, then the bytes of each range.
        var used: [UInt8] = []
        let ranges = try bits(16)
        for range in 0..<16 where ranges & (0x8000 >> range) != 0 {
            let flags = try bits(16)
            for byte in 0..<16 where flags & (0x8000 >> byte) != 0 { used.append(UInt8(range * 16 + byte)) }
        }
        guard !used.isEmpty else { throw FormatError.malformed("bzip2 block uses no byte") }
        let alphabet = used.count + 2
        let groupCount = try bits(3)
        let selectorCount = try bits(15)
        guard (2...6).contains(groupCount), selectorCount > 0 else {
            throw FormatError.malformed("bzip2 block with \(groupCount) tables and \(selectorCount) selectors")
        }
        // Selectors, move-to-front coded in unary.
        var order = Array(0..<groupCount)
        var selectors: [Int] = []
        selectors.reserveCapacity(selectorCount)
        for _ in 0..<selectorCount {
            var index = 0
            while try bits(1) == 1 {
                index += 1
                guard index < groupCount else { throw FormatError.malformed("bzip2 selector out of range") }
            }
            let group = order.remove(at: index)
            order.insert(group, at: 0)
            selectors.append(group)
        }
        // Code lengths, delta coded, then canonical Huffman tables.
        var tables: [HuffmanTable] = []
        for _ in 0..<groupCount {
            var length = try bits(5)
            var lengths: [Int] = []
            for _ in 0..<alphabet {
                while true {
                    guard (1...20).contains(length) else { throw FormatError.malformed("bzip2 code length \(length)") }
                    if try bits(1) == 0 { break }
                    length += try bits(1) == 0 ? 1 : -1
                }
                lengths.append(length)
            }
            tables.append(try HuffmanTable(lengths))
        }
        // Symbols: runs of the front byte (RUNA, RUNB in bijective base 2), move-to-front indexes, end.
        var front = used
        var transformed: [UInt8] = []
        transformed.reserveCapacity(100_000)
        var counts = [Int](repeating: 0, count: 256)
        var run = 0
        var runWeight = 1
        var decoded = 0
        func flushRun() throws {
            guard run > 0 else { return }
            guard transformed.count + run <= Self.maxBlock else {
                throw FormatError.limit("bzip2 block over 900,000 bytes")
            }
            let byte = front[0]
            transformed.append(contentsOf: repeatElement(byte, count: run))
            counts[Int(byte)] += run
            run = 0
            runWeight = 1
        }
        while true {
            let selector = decoded / 50
            guard selector < selectors.count else { throw FormatError.malformed("bzip2 block outruns its selectors") }
            let symbol = try tables[selectors[selector]].decode(self)
            decoded += 1
            if symbol <= 1 {
                guard runWeight <= Self.maxBlock else { throw FormatError.limit("bzip2 run too long") }
                run += runWeight << symbol
                runWeight <<= 1
                continue
            }
            try flushRun()
            if symbol == alphabet - 1 { break }
            let index = symbol - 1
            guard index < front.count else { throw FormatError.malformed("bzip2 move-to-front index out of range") }
            // Move to front in place: the bytes before it shift up by one.
            let byte = front[index]
            var slot = index
            while slot > 0 {
                front[slot] = front[slot - 1]
                slot -= 1
            }
            front[0] = byte
            guard transformed.count < Self.maxBlock else { throw FormatError.limit("bzip2 block over 900,000 bytes") }
            transformed.append(byte)
            counts[Int(byte)] += 1
        }
        guard origin < transformed.count else { throw FormatError.malformed("bzip2 origin pointer out of range") }
        block = Self.undoRuns(Self.inverseTransform(transformed, counts: counts, origin: origin))
        blockIndex = 0
        return true
    }

    /// The inverse Burrows–Wheeler transform.
    private static func inverseTransform(_ last: [UInt8], counts: [Int], origin: Int) -> [UInt8] {
        var starts = [Int](repeating: 0, count: 256)
        var sum = 0
        for byte in 0..<256 {
            starts[byte] = sum
            sum += counts[byte]
        }
        var next = [Int](repeating: 0, count: last.count)
        for (index, byte) in last.enumerated() {
            next[starts[Int(byte)]] = index
            starts[Int(byte)] += 1
        }
        var output: [UInt8] = []
        output.reserveCapacity(last.count)
        var pointer = next[origin]
        for _ in 0..<last.count {
            output.append(last[pointer])
            pointer = next[pointer]
        }
        return output
    }

    /// bzip2's first run-length stage: four equal bytes are followed by a count of more. The length
    /// is found first, then each run is written at once (a block may expand to about 46 MB).
    private static func undoRuns(_ bytes: [UInt8]) -> [UInt8] {
        var total = 0
        forEachRun(bytes) { _, count in total += count }
        var output = [UInt8](repeating: 0, count: total)
        var position = 0
        unsafe output.withUnsafeMutableBufferPointer { buffer in
            forEachRun(bytes) { byte, count in
                unsafe UnsafeMutableBufferPointer(rebasing: buffer[position..<(position + count)]).update(
                    repeating: byte
                )
                position += count
            }
        }
        return output
    }

    /// Each byte of the first run-length stage's output, as a byte and how many times it repeats.
    private static func forEachRun(_ bytes: [UInt8], _ body: (UInt8, Int) -> Void) {
        var same = 0
        var previous: UInt8 = 0
        for byte in bytes {
            if same == 4 {
                body(previous, Int(byte))
                same = 0
                continue
            }
            same = same > 0 && byte == previous ? same + 1 : 1
            previous = byte
            body(byte, 1)
        }
    }

    /// A canonical Huffman code of lengths 1 to 20, decoded bit by bit through the first code of
    /// each length.
    private struct HuffmanTable {
        private var limits: [Int] = []
        private var bases: [Int] = []
        private var symbols: [Int] = []
        private let minimum: Int

        init(_ lengths: [Int]) throws {
            minimum = lengths.min() ?? 1
            let maximum = lengths.max() ?? 1
            symbols = (minimum...maximum).flatMap { length in lengths.indices.filter { lengths[$0] == length } }
            var code = 0
            var index = 0
            for length in minimum...maximum {
                let count = lengths.count { $0 == length }
                bases.append(index - code)
                code += count
                limits.append(code - 1)
                index += count
                code <<= 1
            }
        }

        func decode(_ decoder: NSISBzip2Decoder) throws -> Int {
            var code = try decoder.bits(minimum)
            for level in limits.indices {
                if code <= limits[level] {
                    let index = code + bases[level]
                    guard index >= 0, index < symbols.count else { break }
                    return symbols[index]
                }
                code = code << 1 | (try decoder.bits(1))
            }
            throw FormatError.malformed("bzip2 Huffman code not in its table")
        }
    }
}
