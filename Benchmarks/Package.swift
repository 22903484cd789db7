// swift-tools-version: 6.1
import PackageDescription

// Benchmarks of the matcher alone and of the whole pipeline, with ordo-one/package-benchmark. Run
// from the repository root:
//   swift package --package-path Benchmarks --disable-sandbox benchmark
let package = Package(
    name: "EmbargoBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Embargo", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "MatcherBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "EmbargoMatcher", package: "Embargo"),
            ],
            path: "Benchmarks/MatcherBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "PipelineBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Embargo", package: "Embargo"),
            ],
            path: "Benchmarks/PipelineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
