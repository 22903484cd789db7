// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "Embargo",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Embargo", targets: ["Embargo"]),
        .library(name: "EmbargoMatcher", targets: ["EmbargoMatcher"]),
        .executable(name: "embargo", targets: ["embargo"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
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
        .target(name: "CEmbargoSystem"),
        // The SIMD kernels are compiled with their instruction set enabled, so they live in modules of
        // their own and run only after a CPU check (see InstructionSet.swift).
        .target(
            name: "EmbargoMatcherAVX2",
            swiftSettings: [.unsafeFlags(["-Xcc", "-mavx2"]), .strictMemorySafety()]
        ),
        .target(
            name: "EmbargoMatcherSSSE3",
            swiftSettings: [.unsafeFlags(["-Xcc", "-mssse3"]), .strictMemorySafety()]
        ),
        .target(
            name: "EmbargoMatcher",
            dependencies: ["CEmbargoSystem", "EmbargoMatcherAVX2", "EmbargoMatcherSSSE3"],
            swiftSettings: [.strictMemorySafety()]
        ),
        .target(
            name: "Embargo",
            dependencies: ["EmbargoMatcher", "CEmbargoSystem", "CEmbargoArchive", "CEmbargoMagic"]
        ),
        .executableTarget(
            name: "embargo",
            dependencies: ["Embargo", "EmbargoMatcher", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "EmbargoMatcherTests", dependencies: ["EmbargoMatcher"]),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("InternalImportsByDefault"),
            .enableUpcomingFeature("MemberImportVisibility"),
        ]
}
