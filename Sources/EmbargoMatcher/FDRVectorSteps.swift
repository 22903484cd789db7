#if arch(x86_64)
internal import _Builtin_intrinsics.intel
internal import CEmbargoSystem

extension FDRPrefilter {
    /// The stride-2 loop of `nextCandidates` on x86-64, two steps an iteration: each sample's 16-byte
    /// load from the reach layout (its word shifted into the step's lanes, then the lanes it carries
    /// into the next step) is ORed in a vector register, and so are the carries and the test for
    /// candidates, leaving the integer units the table offsets. Written with SSE2 intrinsics, which
    /// every x86-64 CPU runs, because the same ORs on Swift's SIMD types were compiled back into
    /// scalar code.
    ///
    /// Returns the first step with candidates and its candidates, or, when no pair of steps fits
    /// before `limit`, where the pairs stopped and no candidates.
    @inline(__always)
    static func pairedVectorSteps(
        _ raw: UnsafeRawPointer,
        from start: Int,
        limit: Int,
        reach: UnsafeRawPointer,
        mask: UInt64,
        carry: inout UInt64
    ) -> (base: Int, candidates: UInt64) {
        @inline(__always) func word(_ offset: Int) -> __m128i {
            unsafe reach.loadUnaligned(fromByteOffset: offset, as: __m128i.self)
        }
        @inline(__always) func lanes(_ base: Int) -> __m128i {
            let pairs = unsafe raw.loadUnaligned(fromByteOffset: base, as: UInt64.self)
            let offset0 = Int(truncatingIfNeeded: (pairs << 4) & mask)
            let offset2 = Int(truncatingIfNeeded: (pairs >> 12) & mask)
            let offset4 = Int(truncatingIfNeeded: (pairs >> 28) & mask)
            let offset6 = Int(truncatingIfNeeded: (pairs >> 44) & mask)
            return _mm_or_si128(
                _mm_or_si128(word(offset0), word(offset2 &- 2)),
                _mm_or_si128(word(offset4 &- 4), word(offset6 &- 6))
            )
        }
        let zero = _mm_setzero_si128()
        let ones = _mm_set1_epi8(-1)
        var base = start
        var state = _mm_cvtsi64_si128(Int64(bitPattern: carry))
        defer { carry = UInt64(bitPattern: _mm_cvtsi128_si64(state)) }
        while base &+ 8 <= limit {
            unsafe CEmbargoSystem_prefetch_ahead(raw + base)
            let first = _mm_or_si128(lanes(base), state)
            let second = _mm_or_si128(lanes(base &+ 8), _mm_unpackhi_epi64(first, zero))
            let states = _mm_unpacklo_epi64(first, second)
            if _mm_movemask_epi8(_mm_cmpeq_epi8(states, ones)) != 0xFFFF {
                let firstState = UInt64(bitPattern: _mm_cvtsi128_si64(first))
                if firstState != ~0 {
                    state = _mm_unpackhi_epi64(first, zero)
                    return (base, ~firstState)
                }
                state = _mm_unpackhi_epi64(second, zero)
                return (base &+ 8, ~UInt64(bitPattern: _mm_cvtsi128_si64(second)))
            }
            state = _mm_unpackhi_epi64(second, zero)
            base &+= 16
        }
        return (base, 0)
    }
}
#endif
