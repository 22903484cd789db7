package import EmbargoMatcher

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Benchmark mode of the scanner itself: the whole pipeline over real files, in this process, with
/// the time of every stage accounted and no report written. A warm-up run comes first, so that the
/// page cache and the allocator are in the state a second scan finds them in.
package struct PipelineBenchmark {
    /// One measured run.
    package struct Run: Sendable {
        /// Wall time of the scan.
        package let elapsed: Duration
        /// What it did.
        package let counts: ScanCounts
        /// Time per stage, summed over workers.
        package let stageTimes: StageTimes
        /// What each pattern cost, when profiled.
        package let matchProfile: MatchProfile?
    }

    /// What the benchmark measured.
    package struct Result: Sendable {
        /// The measured runs, in order.
        package let runs: [Run]
        /// Peak resident memory of the process, in bytes.
        package let peakResidentBytes: Int

        /// The fastest run.
        package var best: Run? { runs.min { $0.elapsed < $1.elapsed } }
    }

    package let configuration: ScanConfiguration
    package let evaluator: PolicyEvaluator
    package let runs: Int

    /// A benchmark of `runs` measured scans; with `profile`, each counts what every pattern costs.
    package init(configuration: ScanConfiguration, evaluator: PolicyEvaluator, runs: Int, profile: Bool = false) {
        var configuration = configuration
        configuration.measuresStages = true
        configuration.profilesPatterns = profile
        self.configuration = configuration
        self.evaluator = evaluator
        self.runs = max(1, runs)
    }

    /// Runs the warm-up and the measured runs.
    ///
    /// - Throws: `ScanError` when the scan cannot start.
    package func run() async throws -> Result {
        _ = try await scan()
        var measured: [Run] = []
        for _ in 0..<runs { measured.append(try await scan()) }
        var usage = rusage()
        _ = unsafe getrusage(RUSAGE_SELF.rawValue, &usage)
        return Result(runs: measured, peakResidentBytes: Int(usage.ru_maxrss) * 1024)
    }

    private func scan() async throws -> Run {
        let clock = ContinuousClock()
        let started = clock.now
        var evaluation = Duration.zero
        let summary = try await Scanner(configuration: configuration).run { result in
            let start = clock.now
            for detection in result.detections { _ = evaluator.assess(detection) }
            evaluation += clock.now - start
        }
        var stageTimes = summary.stageTimes
        let timer = StageTimer(enabled: true)
        timer.add(evaluation, to: .evaluate)
        stageTimes.add(timer.take())
        return Run(
            elapsed: clock.now - started,
            counts: summary.counts,
            stageTimes: stageTimes,
            matchProfile: summary.matchProfile
        )
    }
}
