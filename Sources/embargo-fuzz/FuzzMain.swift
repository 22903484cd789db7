import EmbargoFuzzTargets
import Foundation

#if FUZZING
internal import CEmbargoFuzz

/// The runner of the target named by EMBARGO_FUZZ_TARGET; libFuzzer calls the target from one thread.
nonisolated(unsafe) private var runner: FuzzRunner?

/// libFuzzer's entry: one input.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let runner, let data else { return 0 }
    runner.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// The program's entry in a fuzzing build (SwiftPM names an executable's entry after its module).
@_cdecl("embargo_fuzz_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    let name = ProcessInfo.processInfo.environment["EMBARGO_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(
            Data(
                "set EMBARGO_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: " "))\n"
                    .utf8
            )
        )
        return 2
    }
    do {
        runner = try FuzzRunner(target: target)
    } catch {
        FileHandle.standardError.write(Data("cannot set up \(name): \(error)\n".utf8))
        return 2
    }
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzOneInput(data, Int(size)) }
}
#else
/// Without the fuzzer: runs a target over files (saved crash inputs, seeds), to reproduce a crash
/// in an ordinary build. `embargo-fuzz TARGET FILE...`; `embargo-fuzz list` names the targets.
@main
struct FuzzReplay {
    static func main() throws {
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, name != "list", let target = FuzzTarget(rawValue: name) else {
            print(FuzzTarget.allCases.map(\.rawValue).joined(separator: "\n"))
            return
        }
        let runner = try FuzzRunner(target: target)
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("\(path): cannot read")
                continue
            }
            runner.run(Array(data))
            print("\(path): ok")
        }
    }
}
#endif
