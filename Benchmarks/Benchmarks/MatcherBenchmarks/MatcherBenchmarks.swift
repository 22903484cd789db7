import Benchmark
import EmbargoMatcher
import Foundation

// The matcher alone, on an in-memory buffer of real binaries (16 MiB of this system's shared
// libraries), at 10, 300, 10,000 and 100,000 patterns: scan time, allocations and compile cost.
// Scanning allocates nothing per byte: `mallocCountTotal` of a scan is a constant, so allocations
// per MiB are that count divided by 16.

/// 16 MiB of shared libraries, read once.
let corpus: [UInt8] = {
    let size = 16 << 20
    var bytes: [UInt8] = []
    bytes.reserveCapacity(size)
    for directory in ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib", "/usr/bin"] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.sorted() ?? []
        for name in names where name.contains(".so") || directory == "/usr/bin" {
            guard bytes.count < size, let data = FileManager.default.contents(atPath: "\(directory)/\(name)") else {
                continue
            }
            bytes += data.prefix(size - bytes.count)
        }
    }
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    while bytes.count < size {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        bytes.append(UInt8(truncatingIfNeeded: state >> 33))
    }
    return bytes
}()

/// The vendor-style set of `Benchmarks/Patterns/vendor.txt` (plain, nocase and UTF-16LE forms).
let vendorPatterns: [Pattern] = {
    let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Patterns/vendor.txt")
    guard let data = FileManager.default.contents(atPath: file.path), let patterns = try? PatternList.parse(Array(data))
    else {
        fatalError("cannot read \(file.path)")
    }
    return patterns
}()

/// `count` literals of 5 to 20 bytes sampled from the corpus (a dense set: many occur), seeded.
func sampledPatterns(_ count: Int, seed: UInt64) -> [Pattern] {
    var state = seed
    func next() -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int(truncatingIfNeeded: state >> 33)
    }
    var patterns: Set<[UInt8]> = []
    while patterns.count < count {
        let length = 5 + next() % 16
        let start = next() % (corpus.count - length)
        patterns.insert(Array(corpus[start..<start + length]))
    }
    return patterns.sorted { $0.lexicographicallyPrecedes($1) }.map { Pattern(literal: $0) }
}

let patternSets: [(name: String, patterns: @Sendable () -> [Pattern])] = [
    ("10", { Array(vendorPatterns.filter { !$0.bytes.contains { $0.mask != 0xFF } }.prefix(10)) }),
    ("300", { Array(vendorPatterns.prefix(300)) }),
    ("10k", { sampledPatterns(10_000, seed: 1) }),
    ("100k", { sampledPatterns(100_000, seed: 2) }),
]

let benchmarks: @Sendable () -> Void = {
    for set in patternSets {
        Benchmark(
            "Scan 16 MiB, \(set.name) patterns",
            configuration: .init(
                metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
                maxDuration: .seconds(10),
                maxIterations: 20
            )
        ) { benchmark, matcher in
            let scanner = MatchScanner(matcher: matcher)
            benchmark.startMeasurement()
            corpus.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let end = min(buffer.count, offset + (1 << 20))
                    scanner.scan(UnsafeRawBufferPointer(rebasing: buffer[offset..<end]).bytes)
                    offset = end
                }
            }
            benchmark.stopMeasurement()
            blackHole(scanner.hits.count)
        } setup: {
            try PatternMatcher(patterns: set.patterns())
        }

        Benchmark(
            "Compile \(set.name) patterns",
            configuration: .init(
                metrics: [.wallClock, .mallocCountTotal, .peakMemoryResident],
                maxDuration: .seconds(20),
                maxIterations: 10
            )
        ) { benchmark, patterns in
            benchmark.startMeasurement()
            let matcher = try PatternMatcher(patterns: patterns)
            benchmark.stopMeasurement()
            blackHole(matcher.plan.tableBytes)
        } setup: {
            set.patterns()
        }
    }
}
