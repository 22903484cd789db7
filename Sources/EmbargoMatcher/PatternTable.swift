/// The patterns in the form the verifier compares: each one padded to whole 64-bit words of
/// values and masks, so that most comparisons take one load, one AND and one compare per 8 bytes.
struct PatternTable: Sendable {
    let count: Int
    let lengths: FlatTable<Int32>
    let wordStarts: FlatTable<Int32>
    let values: FlatTable<UInt64>
    let masks: FlatTable<UInt64>
    let maximumLength: Int
    /// Whether some pattern matches a run of zero bytes (every position admits 0x00).
    let matchesZeroRun: Bool

    init(patterns: [Pattern]) {
        var lengths: [Int32] = []
        var wordStarts: [Int32] = []
        var values: [UInt64] = []
        var masks: [UInt64] = []
        var maximumLength = 0
        var matchesZeroRun = false
        for pattern in patterns {
            lengths.append(Int32(pattern.count))
            wordStarts.append(Int32(values.count))
            maximumLength = max(maximumLength, pattern.count)
            if pattern.bytes.allSatisfy({ $0.value == 0 }) { matchesZeroRun = true }
            for wordStart in stride(from: 0, to: pattern.count, by: 8) {
                var value: UInt64 = 0
                var mask: UInt64 = 0
                for (shift, byte) in pattern.bytes[wordStart..<min(wordStart + 8, pattern.count)].enumerated() {
                    value |= UInt64(byte.value) << (8 * shift)
                    mask |= UInt64(byte.mask) << (8 * shift)
                }
                values.append(value)
                masks.append(mask)
            }
        }
        self.count = patterns.count
        self.lengths = FlatTable(lengths)
        self.wordStarts = FlatTable(wordStarts)
        self.values = FlatTable(values)
        self.masks = FlatTable(masks)
        self.maximumLength = maximumLength
        self.matchesZeroRun = matchesZeroRun
    }

    var byteCount: Int { lengths.byteCount + wordStarts.byteCount + values.byteCount + masks.byteCount }

    /// Whether pattern `index` occurs at `start`, where `available` bytes can be read from `start`.
    @inline(__always)
    func matches(_ index: Int, at start: UnsafePointer<UInt8>, available: Int) -> Bool {
        let length = Int(lengths[index])
        guard length <= available else { return false }
        let firstWord = Int(wordStarts[index])
        let wordCount = (length + 7) >> 3
        if wordCount << 3 <= available {
            for word in 0..<wordCount {
                let input = unsafe UnsafeRawPointer(start).loadUnaligned(fromByteOffset: word << 3, as: UInt64.self)
                if input & masks[firstWord + word] != values[firstWord + word] { return false }
            }
            return true
        }
        for position in 0..<length {
            let shift = UInt64((position & 7) << 3)
            let mask = UInt8(truncatingIfNeeded: masks[firstWord + position >> 3] >> shift)
            let value = UInt8(truncatingIfNeeded: values[firstWord + position >> 3] >> shift)
            if unsafe start[position] & mask != value { return false }
        }
        return true
    }
}
