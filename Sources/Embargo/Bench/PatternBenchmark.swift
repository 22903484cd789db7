package import EmbargoMatcher

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Benchmark mode: the matcher alone over files, comparable with the peer tools (`hsscan`, YARA).
///
/// Every regular file under the paths is read through the scan pipeline's reader and the matcher, in
/// distinct-pattern mode; no classification, archives or signatures are involved.
package struct PatternBenchmark: Sendable {
    /// What to run.
    package struct Configuration: Sendable {
        /// Files or directories to scan.
        package var paths: [ScanPath]
        /// The patterns, ids in order.
        package var patterns: [Pattern]
        /// Concurrent workers.
        package var jobs: Int
        /// Matcher options (engine and instruction set).
        package var matcherOptions: PatternMatcher.Options
        /// Exclusions.
        package var excludes: [ExcludeGlob]
        /// Whether to count what each pattern costs (every candidate is then checked).
        package var profile: Bool

        /// A configuration.
        package init(
            paths: [ScanPath],
            patterns: [Pattern],
            jobs: Int,
            matcherOptions: PatternMatcher.Options = .init(),
            excludes: [ExcludeGlob] = [],
            profile: Bool = false
        ) {
            self.paths = paths
            self.patterns = patterns
            self.jobs = jobs
            self.matcherOptions = matcherOptions
            self.excludes = excludes
            self.profile = profile
        }
    }

    /// The patterns found in one file.
    package struct FileHits: Sendable {
        /// The file.
        package let path: ScanPath
        /// The distinct pattern ids found, ascending.
        package let patterns: [Int]
    }

    /// What a run measured.
    package struct Result: Sendable {
        /// Files with at least one pattern, by path.
        package let hits: [FileHits]
        /// Regular files read.
        package let files: Int
        /// Bytes read.
        package let bytes: UInt64
        /// Files that could not be read.
        package let unreadable: Int
        /// Wall time of the scan, compile excluded.
        package let scanDuration: Duration
        /// What the matcher compiled to (and how long it took).
        package let plan: PatternMatcher.Plan
        /// Peak resident memory of the process, in bytes.
        package let peakResidentBytes: Int
        /// Workers whose Teddy prefilter let through so many candidates that FDR took over.
        package let switchedWorkers: Int
        /// What each pattern cost, when profiled.
        package let profile: MatchProfile?
    }

    /// The configuration.
    package let configuration: Configuration

    /// A benchmark.
    package init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Compiles the patterns and scans.
    ///
    /// - Throws: `MatcherError` when the patterns do not compile.
    package func run() async throws -> Result {
        let matcher = try PatternMatcher(patterns: configuration.patterns, options: configuration.matcherOptions)
        let walker = DirectoryWalker(excludes: configuration.excludes)
        var initial: [WalkItem] = []
        for path in configuration.paths {
            if let item = try walker.target(path).item { initial.append(item) }
        }
        let queue = WorkQueue(initial)
        let clock = ContinuousClock()
        let started = clock.now
        let reports = await withTaskGroup(of: WorkerReport.self) { group in
            for _ in 0..<max(1, configuration.jobs) {
                group.addTask {
                    await Self.work(queue: queue, walker: walker, matcher: matcher, profiling: configuration.profile)
                }
            }
            var reports: [WorkerReport] = []
            for await report in group { reports.append(report) }
            return reports
        }
        let duration = clock.now - started
        var usage = rusage()
        _ = unsafe getrusage(RUSAGE_SELF.rawValue, &usage)
        return Result(
            hits: reports.flatMap(\.hits).sorted { $0.path < $1.path },
            files: reports.reduce(0) { $0 + $1.files },
            bytes: reports.reduce(0) { $0 + $1.bytes },
            unreadable: reports.reduce(0) { $0 + $1.unreadable },
            scanDuration: duration,
            plan: matcher.plan,
            peakResidentBytes: Int(usage.ru_maxrss) * 1024,
            switchedWorkers: reports.filter(\.switched).count,
            profile: reports.compactMap(\.profile).reduce(into: MatchProfile?.none) { total, profile in
                if total == nil { total = profile } else { total?.add(profile) }
            }
        )
    }

    private struct WorkerReport: Sendable {
        var hits: [FileHits] = []
        var files = 0
        var bytes: UInt64 = 0
        var unreadable = 0
        var switched = false
        var profile: MatchProfile?
    }

    private static func work(
        queue: WorkQueue<WalkItem>,
        walker: DirectoryWalker,
        matcher: PatternMatcher,
        profiling: Bool
    ) async
        -> WorkerReport
    {
        var report = WorkerReport()
        let scanner = MatchScanner(matcher: matcher, profiling: profiling)
        let buffer = ReadBuffer()
        while let item = await queue.next() {
            defer { queue.finished() }
            switch item.kind {
            case .directory:
                queue.add(walker.list(item.path, followingLink: item.followsLink).items)
            case .file:
                do {
                    let file = try ItemContent(path: item.path, followingLink: item.followsLink)
                    scanner.reset()
                    report.bytes += try file.stream(
                        through: buffer,
                        onData: { scanner.scan($0) },
                        onHole: { scanner.skipZeros(count: $0) }
                    )
                    report.files += 1
                    let found = scanner.hits
                    if !found.isEmpty { report.hits.append(FileHits(path: item.path, patterns: found.map(\.pattern))) }
                } catch {
                    report.unreadable += 1
                }
            }
        }
        report.switched = scanner.switchedToFallback
        report.profile = scanner.takeProfile()
        return report
    }
}
