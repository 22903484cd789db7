import EmbargoTestSupport
import Foundation
import Testing

/// The HTML report over a vendor tree, a Debian repository and a disk image: groups by what was
/// scanned, what to remove in each, and the verdict filter run in headless Chromium at desktop and
/// phone widths.
@Suite struct HTMLReportTests {
    /// One `<section class="group">` of a page.
    struct Section {
        var root: String
        var heading: String
        var findingIDs: [String]
        var counts: [String: Int]
        var removals: String
    }

    /// The groups of `html`, read with regular expressions over the page's own markup.
    static func sections(_ html: String) throws -> [Section] {
        try html.components(separatedBy: "<section class=\"group\"").dropFirst().map { chunk in
            let body = chunk.components(separatedBy: "</section>").first ?? ""
            func all(_ pattern: String) throws -> [[String]] {
                let regex = try NSRegularExpression(pattern: pattern)
                return regex.matches(in: body, range: NSRange(body.startIndex..., in: body)).map { match in
                    (1..<match.numberOfRanges).map {
                        String(body[Range(match.range(at: $0), in: body) ?? body.startIndex..<body.startIndex])
                    }
                }
            }
            let counts = try all("data-count-verdict=\"([a-z]+)\">([0-9]+) ").map { ($0[0], Int($0[1]) ?? -1) }
            return Section(
                root: try all("data-root=\"([^\"]*)\"").first?.first ?? "",
                heading: try all("<h3>(.*?)</h3>").first?.first ?? "",
                findingIDs: try all("data-finding-id=\"([0-9a-f]+)\"").map { $0[0] },
                counts: Dictionary(counts, uniquingKeysWith: +),
                removals: try all("<div class=\"remove[^\"]*\">(.*?)<div class=\"counts\"").first?.first ?? ""
            )
        }
    }

    @Test func findingsAreGroupedByTheTreeOrTargetTheyLieIn() throws {
        let directory = TemporaryDirectory()
        let mirror = directory.file("mirror")
        let image = directory.file("disk.img")
        try RepositoryFixture.debian(at: mirror, ordinary: 1)
        try DiskImageFixture.gpt(at: image)
        let targets = [Fixtures.vendor, mirror, image]
        let html = try EmbargoProcess.run(["scan", "--format", "html", "--fail-on", "never"] + targets).text
        let findings = try EmbargoProcess.run(["scan", "--format", "jsonl", "--fail-on", "never"] + targets).records()
            .filter { $0["type"] as? String == "finding" }
        let sections = try Self.sections(html)

        #expect(Set(sections.map(\.root)) == Set(targets))
        let headings = Dictionary(uniqueKeysWithValues: sections.map { ($0.root, $0.heading) })
        #expect(headings[mirror]?.hasPrefix("Debian repository (1 suite)") == true, "\(headings)")
        #expect(headings[image]?.hasPrefix("Disk image (GPT)") == true, "\(headings)")
        #expect(headings[Fixtures.vendor]?.hasPrefix("Scan target") == true, "\(headings)")
        // Every finding sits once, in the group its path lies in; each group counts its own verdicts.
        #expect(sections.flatMap(\.findingIDs).sorted() == findings.compactMap { $0["id"] as? String }.sorted())
        for section in sections {
            let mine = findings.filter { record in
                let path = record["path"] as? String ?? ""
                return path == section.root || path.hasPrefix(section.root + "/")
            }
            #expect(Set(section.findingIDs) == Set(mine.compactMap { $0["id"] as? String }), "\(section.root)")
            #expect(!mine.isEmpty, "\(section.root) has findings")
            let verdicts = Dictionary(grouping: mine) { $0["verdict"] as? String ?? "" }.mapValues(\.count)
            #expect(section.counts == verdicts, "\(section.root)")
            // What to remove names each prohibited or restricted product of the group, and no other.
            let products = Set(mine.compactMap { $0["productName"] as? String })
            let removable = Set(
                mine.filter { ["prohibited", "restricted"].contains($0["verdict"] as? String) }.compactMap {
                    $0["productName"] as? String
                }
            )
            for product in removable { #expect(section.removals.contains(product), "\(section.root): \(product)") }
            for product in products.subtracting(removable) {
                #expect(!section.removals.contains(product), "\(section.root): \(product)")
            }
        }
        #expect(html.contains("<svg class=\"chart\" id=\"verdict-chart\""))
        #expect(html.contains("<details><summary>"), "evidence collapses")
    }

    /// Runs the page in headless Chromium with a probe that records the layout's width, and returns
    /// the DOM after the page's script ran.
    static func render(
        _ html: String,
        width: Int,
        fragment: String = "",
        in directory: TemporaryDirectory
    ) throws -> String {
        let probe =
            "<script>document.body.setAttribute('data-layout', document.documentElement.scrollWidth + 'x' + window.innerWidth)</script>"
        let page = try directory.write(
            "page-\(width).html",
            text: html.replacingOccurrences(of: "</body></html>", with: probe + "</body></html>")
        )
        let dom = try Tool.run(
            "chromium-headless-shell",
            [
                "--no-sandbox", "--disable-gpu", "--window-size=\(width),900", "--dump-dom",
                "file://\(page)\(fragment)",
            ]
        )
        try Tool.run(
            "chromium-headless-shell",
            [
                "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=\(width),2400",
                "--screenshot=\(directory.file("screenshot-\(width).png"))", "file://\(page)\(fragment)",
            ]
        )
        return String(decoding: dom, as: UTF8.self)
    }

    @Test(arguments: [1280, 390])
    func theVerdictFilterWorksAndThePageFitsTheWidth(width: Int) throws {
        let directory = TemporaryDirectory()
        let html = try EmbargoProcess.run(["scan", "--format", "html", "--fail-on", "never", Fixtures.vendor]).text
        let findings = try EmbargoProcess.run(["scan", "--format", "jsonl", "--fail-on", "never", Fixtures.vendor])
            .records()
            .filter { $0["type"] as? String == "finding" }
        let reviews = findings.filter { $0["verdict"] as? String == "review" }.count
        #expect(reviews > 0 && reviews < findings.count, "the fixtures give review and other verdicts")

        let dom = try Self.render(html, width: width, fragment: "#show=review", in: directory)
        let rows = dom.components(separatedBy: "<tr data-finding-id=").dropFirst().map { $0.prefix { $0 != ">" } }
        #expect(rows.count == findings.count)
        for row in rows {
            #expect(row.contains("data-verdict=\"review\"") != row.contains("hidden"), "only review rows shown: \(row)")
        }
        #expect(dom.contains("id=\"shown-count\">\(reviews)<"), "the page counts what it shows")
        #expect(dom.contains("<fieldset id=\"verdict-filter\">"), "the script showed the filter")
        let layout = try #require(dom.split(separator: "data-layout=\"").dropFirst().first?.prefix { $0 != "\"" })
        let sides = layout.split(separator: "x").compactMap { Int($0) }
        #expect(sides.count == 2 && sides[0] <= sides[1], "no sideways scrolling at \(width) px: \(layout)")
        let screenshot = try Data(contentsOf: URL(fileURLWithPath: directory.file("screenshot-\(width).png")))
        #expect(screenshot.starts(with: [0x89, 0x50, 0x4E, 0x47]), "Chromium drew the page")
    }
}
