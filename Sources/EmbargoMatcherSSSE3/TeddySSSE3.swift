// The Teddy inner loop for CPUs with SSSE3 but not AVX2. This module is compiled with SSSE3 enabled
// (see Package.swift); the matcher calls it only after `InstructionSet.best` has confirmed SSSE3.
#if arch(x86_64)
internal import _Builtin_intrinsics.intel

/// Scans 16 positions per step from `start` while the step's start is at most `limit`, and writes a
/// record for each step with a candidate: the step's start position, then 32 result bytes (for slim
/// tables 16 result bytes and 16 zeros; for fat ones buckets 0–7, then buckets 8–15).
///
/// - Parameters:
///   - bytes: the input; every load of a step at or below `limit` must be in bounds.
///   - start: the first step's start position.
///   - limit: the last position at which a step may start.
///   - tables: per mask 64 bytes: the low-nibble table (32 bytes), then the high-nibble table.
///   - maskCount: how many masks (1 to 4), one per byte of the buckets' prefixes.
///   - isFat: whether the tables have 16 buckets (two 8-bucket halves) rather than 8.
///   - records: room for `capacity` records of 40 bytes.
///   - capacity: how many records fit.
/// - Returns: where to resume and how many records were written; the scan stops early when full.
package func teddyScanSSSE3(
    bytes: UnsafePointer<UInt8>,
    from start: Int,
    limit: Int,
    tables: UnsafePointer<UInt8>,
    maskCount: Int,
    isFat: Bool,
    records: UnsafeMutableRawPointer,
    capacity: Int
) -> (resume: Int, written: Int) {
    let run = unsafe TeddySSSE3Run(bytes: bytes, tables: UnsafeRawPointer(tables), records: records, capacity: capacity)
    switch maskCount {
    case 1: return run.scan(masks: 1, isFat: isFat, from: start, limit: limit)
    case 2: return run.scan(masks: 2, isFat: isFat, from: start, limit: limit)
    case 3: return run.scan(masks: 3, isFat: isFat, from: start, limit: limit)
    default: return run.scan(masks: 4, isFat: isFat, from: start, limit: limit)
    }
}

@safe
private struct TeddySSSE3Run {
    let bytes: UnsafePointer<UInt8>
    let tables: UnsafeRawPointer
    let records: UnsafeMutableRawPointer
    let capacity: Int

    @inline(__always)
    func table(_ mask: Int, high: Bool, upperBuckets: Bool) -> __m128i {
        unsafe tables.loadUnaligned(
            fromByteOffset: mask * 64 + (high ? 32 : 0) + (upperBuckets ? 16 : 0),
            as: __m128i.self
        )
    }

    @inline(__always)
    func lookup(_ input: __m128i, low: __m128i, high: __m128i) -> __m128i {
        let nibbles = _mm_set1_epi8(0x0F)
        let lowNibbles = _mm_and_si128(input, nibbles)
        let highNibbles = _mm_and_si128(_mm_srli_epi16(input, 4), nibbles)
        return _mm_and_si128(_mm_shuffle_epi8(low, lowNibbles), _mm_shuffle_epi8(high, highNibbles))
    }

    /// The buckets of one half (0–7 or 8–15) allowed at the 16 positions from `position`.
    @inline(__always)
    func buckets(masks: Int, at position: Int, upperBuckets: Bool) -> __m128i {
        let raw = unsafe UnsafeRawPointer(unsafe bytes)
        var result = lookup(
            unsafe raw.loadUnaligned(fromByteOffset: position, as: __m128i.self),
            low: table(0, high: false, upperBuckets: upperBuckets),
            high: table(0, high: true, upperBuckets: upperBuckets)
        )
        for mask in 1..<masks {
            result = _mm_and_si128(
                result,
                lookup(
                    unsafe raw.loadUnaligned(fromByteOffset: position + mask, as: __m128i.self),
                    low: table(mask, high: false, upperBuckets: upperBuckets),
                    high: table(mask, high: true, upperBuckets: upperBuckets)
                )
            )
        }
        return result
    }

    @inline(__always)
    func scan(masks: Int, isFat: Bool, from start: Int, limit: Int) -> (resume: Int, written: Int) {
        var position = start
        var written = 0
        while position <= limit {
            let lower = buckets(masks: masks, at: position, upperBuckets: false)
            let upper = isFat ? buckets(masks: masks, at: position, upperBuckets: true) : _mm_setzero_si128()
            let any = _mm_or_si128(lower, upper)
            if _mm_movemask_epi8(_mm_cmpeq_epi8(any, _mm_setzero_si128())) != 0xFFFF {
                let slot = unsafe records + written * 40
                unsafe slot.storeBytes(of: position, as: Int.self)
                unsafe slot.storeBytes(of: lower, toByteOffset: 8, as: __m128i.self)
                unsafe slot.storeBytes(of: upper, toByteOffset: 24, as: __m128i.self)
                written += 1
                if written == capacity { return (position + 16, written) }
            }
            position += 16
        }
        return (position, written)
    }
}
#endif
