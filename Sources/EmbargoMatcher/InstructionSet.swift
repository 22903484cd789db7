internal import CEmbargoSystem

/// The vector instructions a scan may use. The matcher checks the CPU at run time and never runs a
/// kernel the CPU cannot execute; every instruction set gives the same matches.
public enum InstructionSet: String, Sendable, CaseIterable, Comparable {
    /// Plain 64-bit integer code: runs everywhere.
    case scalar
    /// 128-bit shuffles (`pshufb`).
    case ssse3
    /// 256-bit shuffles.
    case avx2
    /// AVX-512 byte-masked loads (BW and VL), on top of AVX2.
    case avx512

    /// The best instruction set this CPU supports.
    public static let best: InstructionSet = {
        #if arch(x86_64)
        if CEmbargoSystem_cpu_has_avx2() != 0 {
            return CEmbargoSystem_cpu_has_avx512bw_vl() != 0 ? .avx512 : .avx2
        }
        if CEmbargoSystem_cpu_has_ssse3() != 0 { return .ssse3 }
        #endif
        return .scalar
    }()

    /// Every instruction set this CPU can run, from the plainest.
    public static var supported: [InstructionSet] { allCases.filter { $0 <= best } }

    private var rank: Int {
        switch self {
        case .scalar: 0
        case .ssse3: 1
        case .avx2: 2
        case .avx512: 3
        }
    }

    /// Orders instruction sets from the plainest to the widest.
    public static func < (lhs: InstructionSet, rhs: InstructionSet) -> Bool { lhs.rank < rhs.rank }
}
