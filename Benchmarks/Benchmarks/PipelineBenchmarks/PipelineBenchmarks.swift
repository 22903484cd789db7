import Benchmark
import Embargo
import Foundation

// The whole pipeline on a generated tree (written once per run by Python's tarfile and zipfile
// modules): 2,000 small files of text and binary, and 40 archives nesting a zip in a tar.gz, 100
// members each — the shape of a host's static libraries, jars and documentation. Allocations per
// scan are deterministic, so their p90 is what the thresholds guard (10 %).

/// The generated tree.
let tree: String = {
    let root = NSTemporaryDirectory() + "embargo-pipeline-benchmark"
    let script = """
        import io, os, random, sys, tarfile, zipfile
        root = sys.argv[1]
        if os.path.exists(os.path.join(root, "done")): sys.exit(0)
        random.seed(7)
        os.makedirs(os.path.join(root, "files"), exist_ok=True)
        words = ["lorem", "ipsum", "dolor", "kernel", "driver", "vendor", "update", "install", "antivirus", "security"]
        for index in range(2000):
            path = os.path.join(root, "files", "f%04d.%s" % (index, "txt" if index % 2 else "bin"))
            if index % 2:
                data = " ".join(random.choice(words) for _ in range(random.randint(20, 800))).encode()
            else:
                data = bytes(random.getrandbits(8) for _ in range(random.randint(64, 8192)))
            open(path, "wb").write(data)
        os.makedirs(os.path.join(root, "archives"), exist_ok=True)
        for index in range(40):
            inner = io.BytesIO()
            with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as archive:
                for member in range(100):
                    archive.writestr("lib/m%03d.o" % member, bytes(random.getrandbits(8) for _ in range(random.randint(256, 4096))))
            with tarfile.open(os.path.join(root, "archives", "a%02d.tar.gz" % index), "w:gz") as archive:
                info = tarfile.TarInfo("bundle/inner.zip")
                info.size = len(inner.getvalue())
                archive.addfile(info, io.BytesIO(inner.getvalue()))
        open(os.path.join(root, "done"), "w").write("")
        """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script, root]
    try? process.run()
    process.waitUntilExit()
    return root
}()

let benchmarks: @Sendable () -> Void = {
    Benchmark(
        "Scan a generated tree (2,000 files, 40 nested archives of 100 members)",
        configuration: .init(
            metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
            maxDuration: .seconds(20),
            maxIterations: 20,
            thresholds: [.mallocCountTotal: .init(relative: [.p90: 10.0])]
        )
    ) { benchmark, signatures in
        let scanner = Embargo.Scanner(
            configuration: ScanConfiguration(targets: [ScanPath(tree)], jobs: 2, signatures: signatures)
        )
        benchmark.startMeasurement()
        let summary = try await scanner.run { _ in }
        benchmark.stopMeasurement()
        blackHole(summary.counts.members)
    } setup: {
        try SignatureSet.shipped()
    }
}
