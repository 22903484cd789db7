// FDR's loop for CPUs with AVX-512 BW and VL. This module is compiled with those enabled (see
// Package.swift), so nothing in it may run before `InstructionSet.best` has confirmed them: the
// matcher calls it only through that check.
#if arch(x86_64)
internal import _Builtin_intrinsics.intel
internal import CEmbargoSystem

/// FDR's steps (eight end positions each, every position or every second one sampled), two at a time,
/// from `start` while a pair fits before `limit`, writing each step with candidates to `records`: its
/// start (an `Int`), then its candidate bits (a `UInt64`), 16 bytes a record. A step with candidates
/// costs two stores (and at stride 2 a branch), not a return from the loop and a call back into it.
///
/// The reach words are packed 8 bytes apart, with a zero word before the first and after the last:
/// the word of a sample `k` places into a step is loaded 16 bytes at once from `k` bytes before it,
/// with a byte mask keeping only its own 8 bytes. That puts the word's lanes where the step wants them
/// and its lanes past the step into the high half (the carry), from a table half the size of the
/// zero-padded one the SSE2 loop needs (64 KiB rather than 128 at 13 bits).
///
/// - Parameters:
///   - bytes: the input; each pair of steps reads 16 bytes from its start.
///   - start: the first step's start.
///   - limit: the last start a pair's second step may have; the caller keeps it 9 bytes before the
///     block's end (a step reads one byte past its eight positions).
///   - stride: 1 or 2, how many positions apart the samples are.
///   - reach: the first packed reach word.
///   - domainMask: the bits of a sample (a byte and the low bits of the next) that index `reach`.
///   - carry: the state carried into the next step, in and out.
///   - records: room for `capacity` records.
///   - capacity: at least 2.
/// - Returns: where the steps stopped (the pairs no longer fit, or the records are full) and how many
///   records were written.
package func fdrRecordedStepsAVX512(
    bytes: UnsafeRawPointer,
    from start: Int,
    limit: Int,
    stride: Int,
    reach: UnsafeRawPointer,
    domainMask: UInt64,
    carry: inout UInt64,
    records: UnsafeMutableRawPointer,
    capacity: Int
) -> (resume: Int, written: Int) {
    // One loop for each stride, each a specialization of its own: in one function, the two loops'
    // registers spilled to the stack and the stride-2 loop ran 2-3 % slower.
    if stride == 2 {
        return unsafe recordedSteps(
            EverySecondPosition.self,
            bytes,
            start,
            limit,
            reach,
            domainMask,
            &carry,
            records,
            capacity
        )
    }
    return unsafe recordedSteps(EveryPosition.self, bytes, start, limit, reach, domainMask, &carry, records, capacity)
}

/// How many positions apart FDR's samples are, as a type, so that each stride's loop is a function of
/// its own.
private protocol SampleStride { static var stride: Int { get } }
private enum EveryPosition: SampleStride { static var stride: Int { 1 } }
private enum EverySecondPosition: SampleStride { static var stride: Int { 2 } }

@inline(never)
private func recordedSteps<Stride: SampleStride>(
    _: Stride.Type,
    _ bytes: UnsafeRawPointer,
    _ start: Int,
    _ limit: Int,
    _ reach: UnsafeRawPointer,
    _ domainMask: UInt64,
    _ carry: inout UInt64,
    _ records: UnsafeMutableRawPointer,
    _ capacity: Int
) -> (resume: Int, written: Int) {
    let stride = Stride.stride
    let offsetMask = domainMask << 3
    @inline(__always) func word(_ offset: Int, shiftedBy lanes: Int) -> __m128i {
        unsafe _mm_maskz_loadu_epi8(__mmask16(truncatingIfNeeded: 0x00FF << lanes), reach + (offset &- lanes))
    }
    @inline(__always) func lanes(_ base: Int) -> __m128i {
        let low = unsafe bytes.loadUnaligned(fromByteOffset: base, as: UInt64.self)
        if stride == 2 {
            // The sampled pairs lie side by side in one 64-bit load (bytes 0-1, 2-3, 4-5, 6-7).
            let offset0 = Int(truncatingIfNeeded: (low << 3) & offsetMask)
            let offset2 = Int(truncatingIfNeeded: (low >> 13) & offsetMask)
            let offset4 = Int(truncatingIfNeeded: (low >> 29) & offsetMask)
            let offset6 = Int(truncatingIfNeeded: (low >> 45) & offsetMask)
            return _mm_or_si128(
                _mm_or_si128(word(offset0, shiftedBy: 0), word(offset2, shiftedBy: 2)),
                _mm_or_si128(word(offset4, shiftedBy: 4), word(offset6, shiftedBy: 6))
            )
        }
        // Samples 0 to 6 lie in the first 8 bytes; the last one ends on the ninth.
        let last = UInt64(unsafe bytes.loadUnaligned(fromByteOffset: base &+ 7, as: UInt16.self))
        let offset0 = Int(truncatingIfNeeded: (low << 3) & offsetMask)
        let offset1 = Int(truncatingIfNeeded: (low >> 5) & offsetMask)
        let offset2 = Int(truncatingIfNeeded: (low >> 13) & offsetMask)
        let offset3 = Int(truncatingIfNeeded: (low >> 21) & offsetMask)
        let offset4 = Int(truncatingIfNeeded: (low >> 29) & offsetMask)
        let offset5 = Int(truncatingIfNeeded: (low >> 37) & offsetMask)
        let offset6 = Int(truncatingIfNeeded: (low >> 45) & offsetMask)
        let offset7 = Int(truncatingIfNeeded: (last << 3) & offsetMask)
        return _mm_or_si128(
            _mm_or_si128(
                _mm_or_si128(word(offset0, shiftedBy: 0), word(offset1, shiftedBy: 1)),
                _mm_or_si128(word(offset2, shiftedBy: 2), word(offset3, shiftedBy: 3))
            ),
            _mm_or_si128(
                _mm_or_si128(word(offset4, shiftedBy: 4), word(offset5, shiftedBy: 5)),
                _mm_or_si128(word(offset6, shiftedBy: 6), word(offset7, shiftedBy: 7))
            )
        )
    }
    @inline(__always) func record(_ base: Int, _ state: UInt64, at index: Int) {
        unsafe records.storeBytes(of: base, toByteOffset: index &* 16, as: Int.self)
        unsafe records.storeBytes(of: ~state, toByteOffset: index &* 16 &+ 8, as: UInt64.self)
    }
    let zero = _mm_setzero_si128()
    let ones = _mm_set1_epi8(-1)
    var base = start
    var written = 0
    var state = _mm_cvtsi64_si128(Int64(bitPattern: carry))
    defer { carry = UInt64(bitPattern: _mm_cvtsi128_si64(state)) }
    while base &+ 8 <= limit {
        unsafe CEmbargoSystem_prefetch_ahead(bytes + base)
        let first = _mm_or_si128(lanes(base), state)
        let second = _mm_or_si128(lanes(base &+ 8), _mm_unpackhi_epi64(first, zero))
        state = _mm_unpackhi_epi64(second, zero)
        let firstState = UInt64(bitPattern: _mm_cvtsi128_si64(first))
        let secondState = UInt64(bitPattern: _mm_cvtsi128_si64(second))
        if stride == 1 {
            // Sampled at every position, the sets are large and most steps have candidates: both
            // records are written, and kept only when they have candidates, with no branch on them
            // (a 10,000-pattern set ran 5 to 8 % faster; stride-2 sets, whose steps seldom have
            // candidates, 10 to 35 % slower).
            record(base, firstState, at: written)
            written &+= firstState != ~0 ? 1 : 0
            record(base &+ 8, secondState, at: written)
            written &+= secondState != ~0 ? 1 : 0
            base &+= 16
            if written &+ 2 > capacity { break }
            continue
        }
        if _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_unpacklo_epi64(first, second), ones)) != 0xFFFF {
            if firstState != ~0 {
                record(base, firstState, at: written)
                written &+= 1
            }
            if secondState != ~0 {
                record(base &+ 8, secondState, at: written)
                written &+= 1
            }
            if written &+ 2 > capacity { return (base &+ 16, written) }
        }
        base &+= 16
    }
    return (base, written)
}
#endif
