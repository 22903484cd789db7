// The Teddy inner loop for CPUs with AVX2. This module is compiled with AVX2 enabled (see
// Package.swift), so nothing in it may run before `InstructionSet.best` has confirmed AVX2: the
// matcher calls it only through that check.
#if arch(x86_64)
internal import _Builtin_intrinsics.intel
internal import CEmbargoSystem

/// Scans 32 positions (slim) or 16 positions (fat) per step from `start` while the step's start is at
/// most `limit`, and writes a record for each step with a candidate: the step's start position, then
/// the 32 result bytes (bucket bits per position).
///
/// - Parameters:
///   - bytes: the input; every load of a step at or below `limit` must be in bounds, which the caller
///     guarantees by choosing `limit`.
///   - start: the first step's start position.
///   - limit: the last position at which a step may start.
///   - tables: per mask 64 bytes: the low-nibble table (32 bytes), then the high-nibble table.
///   - maskCount: how many masks (1 to 4), one per byte of the buckets' prefixes.
///   - isFat: whether the tables have 16 buckets (two 8-bucket halves) rather than 8.
///   - records: room for `capacity` records of 40 bytes.
///   - capacity: how many records fit.
/// - Returns: where to resume and how many records were written; the scan stops early when full.
package func teddyScanAVX2(
    bytes: UnsafePointer<UInt8>,
    from start: Int,
    limit: Int,
    tables: UnsafePointer<UInt8>,
    maskCount: Int,
    isFat: Bool,
    records: UnsafeMutableRawPointer,
    capacity: Int
) -> (resume: Int, written: Int) {
    let run = unsafe TeddyAVX2Run(bytes: bytes, tables: UnsafeRawPointer(tables), records: records, capacity: capacity)
    switch (maskCount, isFat) {
    case (1, false): return run.slim(masks: 1, from: start, limit: limit)
    case (2, false): return run.slim(masks: 2, from: start, limit: limit)
    case (3, false): return run.slim(masks: 3, from: start, limit: limit)
    case (_, false): return run.slim(masks: 4, from: start, limit: limit)
    case (1, true): return run.fat(masks: 1, from: start, limit: limit)
    case (2, true): return run.fat(masks: 2, from: start, limit: limit)
    case (3, true): return run.fat(masks: 3, from: start, limit: limit)
    default: return run.fat(masks: 4, from: start, limit: limit)
    }
}

@safe
private struct TeddyAVX2Run {
    let bytes: UnsafePointer<UInt8>
    let tables: UnsafeRawPointer
    let records: UnsafeMutableRawPointer
    let capacity: Int

    @inline(__always)
    func table(_ mask: Int, high: Bool) -> __m256i {
        unsafe tables.loadUnaligned(fromByteOffset: mask * 64 + (high ? 32 : 0), as: __m256i.self)
    }

    /// The buckets allowed by one mask for the 32 bytes in `input`.
    @inline(__always)
    func lookup(_ input: __m256i, low: __m256i, high: __m256i) -> __m256i {
        let nibbles = _mm256_set1_epi8(0x0F)
        let lowNibbles = _mm256_and_si256(input, nibbles)
        let highNibbles = _mm256_and_si256(_mm256_srli_epi16(input, 4), nibbles)
        return _mm256_and_si256(_mm256_shuffle_epi8(low, lowNibbles), _mm256_shuffle_epi8(high, highNibbles))
    }

    @inline(__always)
    func record(_ result: __m256i, at position: Int, index: Int) {
        let slot = unsafe records + index * 40
        unsafe slot.storeBytes(of: position, as: Int.self)
        unsafe slot.storeBytes(of: result, toByteOffset: 8, as: __m256i.self)
    }

    @inline(__always)
    func slim(masks: Int, from start: Int, limit: Int) -> (resume: Int, written: Int) {
        let low0 = table(0, high: false)
        let high0 = table(0, high: true)
        let low1 = masks > 1 ? table(1, high: false) : low0
        let high1 = masks > 1 ? table(1, high: true) : high0
        let low2 = masks > 2 ? table(2, high: false) : low0
        let high2 = masks > 2 ? table(2, high: true) : high0
        let low3 = masks > 3 ? table(3, high: false) : low0
        let high3 = masks > 3 ? table(3, high: true) : high0
        let raw = unsafe UnsafeRawPointer(unsafe bytes)
        var position = start
        var written = 0
        while position <= limit {
            unsafe CEmbargoSystem_prefetch_ahead(raw + position)
            var result = lookup(
                unsafe raw.loadUnaligned(fromByteOffset: position, as: __m256i.self),
                low: low0,
                high: high0
            )
            if masks > 1 {
                result = _mm256_and_si256(
                    result,
                    lookup(
                        unsafe raw.loadUnaligned(fromByteOffset: position + 1, as: __m256i.self),
                        low: low1,
                        high: high1
                    )
                )
            }
            if masks > 2 {
                result = _mm256_and_si256(
                    result,
                    lookup(
                        unsafe raw.loadUnaligned(fromByteOffset: position + 2, as: __m256i.self),
                        low: low2,
                        high: high2
                    )
                )
            }
            if masks > 3 {
                result = _mm256_and_si256(
                    result,
                    lookup(
                        unsafe raw.loadUnaligned(fromByteOffset: position + 3, as: __m256i.self),
                        low: low3,
                        high: high3
                    )
                )
            }
            if _mm256_testz_si256(result, result) == 0 {
                record(result, at: position, index: written)
                written += 1
                if written == capacity { return (position + 32, written) }
            }
            position += 32
        }
        return (position, written)
    }

    @inline(__always)
    func fat(masks: Int, from start: Int, limit: Int) -> (resume: Int, written: Int) {
        let low0 = table(0, high: false)
        let high0 = table(0, high: true)
        let low1 = masks > 1 ? table(1, high: false) : low0
        let high1 = masks > 1 ? table(1, high: true) : high0
        let low2 = masks > 2 ? table(2, high: false) : low0
        let high2 = masks > 2 ? table(2, high: true) : high0
        let low3 = masks > 3 ? table(3, high: false) : low0
        let high3 = masks > 3 ? table(3, high: true) : high0
        let raw = unsafe UnsafeRawPointer(unsafe bytes)
        var position = start
        var written = 0
        while position <= limit {
            unsafe CEmbargoSystem_prefetch_ahead(raw + position)
            var result = unsafe lookup(broadcast(raw, position), low: low0, high: high0)
            if masks > 1 {
                result = unsafe _mm256_and_si256(result, lookup(broadcast(raw, position + 1), low: low1, high: high1))
            }
            if masks > 2 {
                result = unsafe _mm256_and_si256(result, lookup(broadcast(raw, position + 2), low: low2, high: high2))
            }
            if masks > 3 {
                result = unsafe _mm256_and_si256(result, lookup(broadcast(raw, position + 3), low: low3, high: high3))
            }
            if _mm256_testz_si256(result, result) == 0 {
                record(result, at: position, index: written)
                written += 1
                if written == capacity { return (position + 16, written) }
            }
            position += 16
        }
        return (position, written)
    }

    /// Sixteen input bytes in both 128-bit lanes, so that each lane looks up its own eight buckets.
    @inline(__always)
    func broadcast(_ raw: UnsafeRawPointer, _ position: Int) -> __m256i {
        _mm256_broadcastsi128_si256(unsafe raw.loadUnaligned(fromByteOffset: position, as: __m128i.self))
    }
}
#endif
