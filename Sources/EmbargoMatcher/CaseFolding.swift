/// ASCII case folding: the matcher's anchors and prefilters work on lower-cased bytes, and every
/// candidate is verified against the exact pattern afterwards.
@usableFromInline
enum CaseFolding {
    /// Whether `byte` is an ASCII letter.
    @inlinable
    static func isLetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    /// The lower-case form of an ASCII letter; any other byte unchanged.
    @inlinable
    static func lower(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    /// The byte values an anchor byte stands for: both cases of a letter, or the byte itself.
    static func variants(_ folded: UInt8) -> [UInt8] {
        isLetter(folded) ? [folded, folded & 0xDF] : [folded]
    }

    /// Lower-cases the ASCII letters among the eight bytes of `word`, leaving every other byte as it is.
    ///
    /// For each byte `b` below 0x80, `b + 0x3F` has its top bit set exactly when `b >= 'A'`, and
    /// `b + 0x25` exactly when `b > 'Z'`; no byte carries into its neighbour.
    @inlinable
    static func lower(word: UInt64) -> UInt64 {
        let ascii = word & 0x7F7F_7F7F_7F7F_7F7F
        let atLeastA = ascii &+ 0x3F3F_3F3F_3F3F_3F3F
        let aboveZ = ascii &+ 0x2525_2525_2525_2525
        let upper = atLeastA & ~aboveZ & ~word & 0x8080_8080_8080_8080
        return word | (upper >> 2)
    }
}
