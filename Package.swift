// swift-tools-version: 6.2
import PackageDescription

// The SIMD kernels are compiled with their instruction set enabled, so they live in modules of their own
// and run only after a CPU check (see InstructionSet.swift). On other architectures the modules are
// empty and the matcher runs its scalar path.
#if arch(x86_64)
let avx512Flags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx512bw", "-Xcc", "-mavx512vl"])]
let avx2Flags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mavx2"])]
let ssse3Flags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-mssse3"])]
#else
let avx512Flags: [SwiftSetting] = []
let avx2Flags: [SwiftSetting] = []
let ssse3Flags: [SwiftSetting] = []
#endif

let package = Package(
    name: "Embargo",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Embargo", targets: ["Embargo"]),
        .library(name: "EmbargoMatcher", targets: ["EmbargoMatcher"]),
        .library(name: "EmbargoFormats", targets: ["EmbargoFormats"]),
        .executable(name: "embargo", targets: ["embargo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CEmbargoArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"]), .brew(["libarchive"])]
        ),
        .systemLibrary(
            name: "CEmbargoMagic",
            pkgConfig: "libmagic",
            providers: [.apt(["libmagic-dev"]), .brew(["libmagic"])]
        ),
        .systemLibrary(
            name: "CEmbargoCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        .systemLibrary(
            name: "CEmbargoCompression",
            pkgConfig: "liblzma",
            providers: [.apt(["zlib1g-dev", "liblzma-dev"]), .brew(["zlib", "xz"])]
        ),
        .systemLibrary(
            name: "CEmbargoSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        .target(name: "CEmbargoSystem"),
        .target(name: "CEmbargoSQLiteSource", dependencies: ["CEmbargoSQLite"]),
        .target(
            name: "EmbargoMatcherAVX2",
            dependencies: ["CEmbargoSystem"],
            swiftSettings: avx2Flags + [.strictMemorySafety()]
        ),
        .target(
            name: "EmbargoMatcherAVX512",
            dependencies: ["CEmbargoSystem"],
            swiftSettings: avx512Flags + [.strictMemorySafety()]
        ),
        .target(name: "EmbargoMatcherSSSE3", swiftSettings: ssse3Flags + [.strictMemorySafety()]),
        .target(
            name: "EmbargoMatcher",
            dependencies: ["CEmbargoSystem", "EmbargoMatcherAVX512", "EmbargoMatcherAVX2", "EmbargoMatcherSSSE3"],
            swiftSettings: [.strictMemorySafety()]
        ),
        .target(
            name: "EmbargoFormats",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                // PBKDF2 and AES-CBC, to open PKCS#12 trust stores; libcrypto for their legacy schemes.
                .product(name: "CryptoExtras", package: "swift-crypto"),
                "CEmbargoCrypto",
                // Raw deflate and LZMA, for NSIS installers' data blocks.
                "CEmbargoCompression",
            ],
            swiftSettings: [.strictMemorySafety()]
        ),
        .target(
            name: "Embargo",
            dependencies: [
                "EmbargoMatcher", "EmbargoFormats", "CEmbargoSystem", "CEmbargoArchive", "CEmbargoMagic",
                "CEmbargoSQLite",
                "CEmbargoSQLiteSource",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [.strictMemorySafety()]
        ),
        .executableTarget(
            name: "embargo",
            dependencies: [
                "Embargo", "EmbargoMatcher", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Fuzzing: the targets, and the libFuzzer executable (scripts/fuzz.sh builds it with
        // -sanitize=fuzzer,address and FUZZING; an ordinary build replays inputs).
        .target(name: "CEmbargoFuzz"),
        .target(
            name: "EmbargoFuzzTargets",
            dependencies: ["Embargo", "EmbargoFormats"],
            swiftSettings: [.strictMemorySafety()]
        ),
        .executableTarget(name: "embargo-fuzz", dependencies: ["EmbargoFuzzTargets", "CEmbargoFuzz"]),
        .target(
            name: "EmbargoTestSupport",
            dependencies: ["CEmbargoArchive"],
            path: "Tests/EmbargoTestSupport"
        ),
        .testTarget(name: "EmbargoMatcherTests", dependencies: ["EmbargoMatcher"]),
        .testTarget(name: "EmbargoFormatsTests", dependencies: ["EmbargoFormats", "EmbargoTestSupport"]),
        .testTarget(
            name: "EmbargoTests",
            // The end-to-end tests run the built executable, so it is a dependency.
            dependencies: [
                "Embargo", "EmbargoMatcher", "EmbargoFormats", "EmbargoFuzzTargets", "EmbargoTestSupport", "embargo",
            ],
            exclude: []
        ),
    ]
)

// CI (and anyone who sets EMBARGO_WARNINGS_AS_ERRORS) builds Embargo's own targets with every
// warning an error; the dependencies are not affected.
let warningsAsErrors = Context.environment["EMBARGO_WARNINGS_AS_ERRORS"] != nil

for target in package.targets where target.type != .system {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("InternalImportsByDefault"),
            .enableUpcomingFeature("MemberImportVisibility"),
        ] + (warningsAsErrors ? [.treatAllWarnings(as: .error)] : [])
}
