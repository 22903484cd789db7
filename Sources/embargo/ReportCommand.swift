import ArgumentParser
import Embargo
import Foundation

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Render a scan kept in a findings store, or list the stored scans.",
        discussion: """
            Without --scan or --name, the newest scan is rendered, together with the other shards of its run \
            when it was sharded. The verdicts are those the scan recorded; to decide again under another \
            policy or date, render --format jsonl and use 'embargo policy evaluate'.
            """
    )

    @Option(name: .long, help: "The findings store: an SQLite file or a PostgreSQL URL (postgres://user@host:5432/db).")
    var db: String

    @Option(name: .long, help: "The id of the scan to render.")
    var scan: Int64?

    @Option(name: .long, help: "Render every scan of this run (all its shards) as one report.")
    var name: String?

    @Flag(name: .long, help: "List the stored scans instead.")
    var list = false

    @Option(name: .long, help: "Output format.")
    var format: ReportFormat?

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    func run() async throws {
        var outputFile = OutputFile.standardOutput
        if let output {
            do {
                outputFile = try OutputFile(path: output)
            } catch {
                throw ValidationError(error.message)
            }
        }
        let reportFormat = format ?? (output == nil && outputFile.isTerminal ? .text : .jsonl)
        let store: any FindingsStore
        do {
            store = try await FindingsStores.open(db)
        } catch {
            throw ValidationError("--db: \(error)")
        }
        do {
            try await store.prepare()
            let scans = try await store.scans(named: nil)
            if list {
                await store.close()
                try outputFile.write(Self.listing(scans))
                return
            }
            let chosen = try Self.select(scans, id: scan, name: name)
            var findings: [Finding] = []
            var events: [ScanEvent] = []
            for stored in chosen {
                for record in try await store.findings(of: stored.id) {
                    findings.append(try RecordCoding.finding(fromJSON: record.json))
                }
                for record in try await store.events(of: stored.id) {
                    events.append(try RecordCoding.event(fromJSON: record.json))
                }
            }
            await store.close()
            let evaluator = try Self.evaluator(for: chosen[0])
            let summary = Self.mergedSummary(chosen, findings: findings, events: events)
            let targets = Array(Set(chosen.flatMap(\.targets))).sorted()
            try outputFile.write(
                reportFormat.render(
                    findings: findings,
                    events: events,
                    summary: summary,
                    evaluator: evaluator,
                    targets: targets
                )
            )
        } catch let error as ReportError {
            await store.close()
            throw ValidationError(error.message)
        } catch let error as ValidationError {
            await store.close()
            throw error
        } catch {
            await store.close()
            throw ValidationError("--db: \(error)")
        }
    }

    /// The scans to render: by id, by run name, or the newest run.
    static func select(_ scans: [StoredScan], id: Int64?, name: String?) throws -> [StoredScan] {
        if let id {
            guard let scan = scans.first(where: { $0.id == id }) else {
                throw ValidationError("no scan \(id) in the store")
            }
            return [scan]
        }
        let run = name ?? scans.first?.name
        let chosen = scans.filter { $0.name == run }.sorted { $0.shard < $1.shard }
        guard !chosen.isEmpty else {
            throw ValidationError(name.map { "no scan named '\($0)' in the store" } ?? "the store holds no scans")
        }
        return chosen
    }

    /// An evaluator naming the policy and date the scan was made under (for report headers).
    static func evaluator(for scan: StoredScan) throws -> PolicyEvaluator {
        let catalog = try PolicyCatalog.shipped()
        guard let policy = catalog.policy(scan.policy) ?? catalog.policy("default") else {
            throw ValidationError("no policy to name in the report")
        }
        return try PolicyEvaluator(policy: policy, catalog: catalog, asOf: CalendarDate(scan.asOf) ?? .today)
    }

    /// The summaries of the chosen scans, added up. A scan that never finished (its process ended
    /// before it could say so) has no summary: it counts as interrupted, with the records it left.
    static func mergedSummary(_ scans: [StoredScan], findings: [Finding], events: [ScanEvent]) -> ScanSummary? {
        var summaries = scans.compactMap { $0.summary.flatMap(RecordCoding.summary(fromJSON:)) }
        if scans.contains(where: { $0.finished == nil || $0.summary == nil }) {
            var counts = ScanCounts()
            counts.findings = findings.count
            counts.errors = events.filter(\.makesScanIncomplete).count
            counts.skipped = events.count - counts.errors
            let unfinished = ScanSummary(counts: counts, elapsed: .zero, interrupted: true)
            summaries =
                summaries.isEmpty
                ? [unfinished]
                : summaries.map { summary in
                    var summary = summary
                    summary.interrupted = true
                    return summary
                }
        }
        guard var merged = summaries.first else { return nil }
        for other in summaries.dropFirst() {
            merged.counts.add(other.counts)
            merged.elapsed = max(merged.elapsed, other.elapsed)
            merged.recognised = Array(Set(merged.recognised + other.recognised)).sorted { $0.path < $1.path }
            merged.interrupted = merged.interrupted || other.interrupted
        }
        // Shards of one run leave their files to each other: together they left none out.
        if summaries.count > 1 { merged.counts.otherShards = 0 }
        return merged
    }

    static func listing(_ scans: [StoredScan]) -> String {
        var text = "id\tname\tshard\tstarted\tfinished\tpolicy\tas-of\tfindings\ttargets\n"
        for scan in scans {
            let findings =
                scan.summary.flatMap(RecordCoding.summary(fromJSON:)).map { String($0.counts.findings) } ?? "-"
            text +=
                [
                    String(scan.id), scan.name, scan.shard, scan.started, scan.finished ?? "unfinished", scan.policy,
                    scan.asOf, findings,
                    scan.targets.joined(separator: " "),
                ].joined(separator: "\t") + "\n"
        }
        return text
    }
}
