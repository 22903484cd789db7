import EmbargoFormats
import EmbargoTestSupport
import Foundation
import Testing

@testable import Embargo

/// Windows registries are read wherever they are found, by content: hives written by libhivex (the
/// library virt-tools edit Windows guests with), Wine's text registries and regedit exports. What a
/// registry says is installed is an installation; a vendor's name in another program's value is not.
@Suite struct RegistryTests {
    typealias Value = RegistryHiveFixture.Value

    @discardableResult
    static func hive(_ path: String, _ keys: [String: [String: Value]], recordedName: String? = nil) throws -> String {
        try RegistryHiveFixture.write(path, keys, recordedName: recordedName)
    }

    static let uninstall = "Microsoft\\Windows\\CurrentVersion\\Uninstall\\"

    /// A program of another vendor whose values mention Kaspersky: the trap.
    static let compatibleBackup: [String: [String: Value]] = [
        uninstall + "{6F0A1D55-CONTOSO}": [
            "DisplayName": ("sz", "Contoso Backup Agent"), "Publisher": ("sz", "Contoso Ltd."),
            "Comments": ("sz", "Tested with Kaspersky Endpoint Security for Windows; AO Kaspersky Lab partner"),
        ],
        "Contoso\\Backup": ["CompatibleAV": ("sz", "Kaspersky Anti-Virus;AO Kaspersky Lab")],
    ]

    @Test func anUninstallEntryInASoftwareHiveIsAnInstallationOfItsProduct() async throws {
        let directory = TemporaryDirectory()
        try FileManager.default.createDirectory(
            atPath: directory.file("Windows/System32/config"),
            withIntermediateDirectories: true
        )
        var keys = Self.compatibleBackup
        keys[Self.uninstall + "{B9518725-0B76-4793-A409-C6794442FCE6}"] = [
            "DisplayName": ("sz", "Kaspersky Endpoint Security for Windows"), "Publisher": ("sz", "AO Kaspersky Lab"),
            "DisplayVersion": ("sz", "12.1.0.506"), "EstimatedSize": ("dword", 812_345),
        ]
        keys["WOW6432Node\\KasperskyLab\\protected\\KES"] = ["Ins_InitMode": ("dword", 1)]
        try Self.hive(directory.file("Windows/System32/config/SOFTWARE"), keys)
        let outcome = try await scan([directory.path])
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        let records = Dictionary(grouping: outcome.installations) { $0.record ?? "" }
        let kes = try #require(
            records["HKLM\\SOFTWARE\\" + Self.uninstall + "{B9518725-0B76-4793-A409-C6794442FCE6}"],
            "\(records.keys)"
        )
        #expect(kes.map(\.product) == ["kaspersky-endpoint-security-windows"])
        #expect(kes.first?.form == .installed)
        #expect(
            Set(kes.first?.evidence.map(\.kind) ?? []) == ["installed.name", "installed.publisher"],
            "the publisher, vendor-wide evidence, joins the product the display name names"
        )
        let vendorKey = try #require(records["HKLM\\SOFTWARE\\WOW6432Node\\KasperskyLab"])
        #expect(vendorKey.map(\.product) == ["kaspersky-unidentified"])
        #expect(records.count == 2, "nothing of Contoso's is an installation: \(records.keys)")
    }

    @Test func aHiveThatNamesKasperskyOnlyInAnotherProgramsValuesIsAMention() async throws {
        let directory = TemporaryDirectory()
        try Self.hive(directory.file("SOFTWARE"), Self.compatibleBackup)
        let outcome = try await scan([directory.path])
        #expect(outcome.installations.isEmpty, "\(outcome.installations.map { ($0.product, $0.record) })")
        #expect(!outcome.detections.isEmpty, "the strings remain mentions, to review")
        #expect(outcome.detections.allSatisfy { $0.confidence == .mention && $0.record == nil })
    }

    @Test func servicesAndDriversOfASystemHiveAreInstallations() async throws {
        let directory = TemporaryDirectory()
        try Self.hive(
            directory.file("SYSTEM"),
            [
                "ControlSet001\\Services\\klif": [
                    "Type": ("dword", 2), "Start": ("dword", 0),
                    "ImagePath": ("expand_sz", "system32\\DRIVERS\\klif.sys"),
                ],
                "ControlSet001\\Services\\klnagent": [
                    "Type": ("dword", 16), "DisplayName": ("sz", "Kaspersky Security Center Network Agent"),
                    "ImagePath": (
                        "expand_sz", "\"C:\\Program Files (x86)\\Kaspersky Lab\\NetworkAgent\\klnagent.exe\""
                    ),
                ],
                "ControlSet001\\Services\\Spooler": [
                    "Type": ("dword", 16), "ImagePath": ("expand_sz", "%SystemRoot%\\System32\\spoolsv.exe"),
                    "Description": ("sz", "Not to be confused with Kaspersky's klif driver"),
                ],
                "Select": ["Current": ("dword", 1)],
            ]
        )
        let outcome = try await scan([directory.path])
        let byRecord = Dictionary(grouping: outcome.installations) { $0.record ?? "" }
        let services = "HKLM\\SYSTEM\\ControlSet001\\Services\\"
        #expect(byRecord[services + "klif"]?.map(\.product) == ["kaspersky-windows-drivers"], "\(byRecord.keys)")
        #expect(byRecord[services + "klif"]?.first?.evidence.contains { $0.field == "driver" } == true)
        #expect(
            byRecord[services + "klnagent"]?.map(\.product) == ["kaspersky-security-center-network-agent"],
            "the image path under Kaspersky Lab (vendor-wide) joins the service name's product"
        )
        #expect(byRecord.count == 2)
    }

    @Test func aRootInTheRegistryCertificateStoreIsATrustStoreRoot() async throws {
        let directory = TemporaryDirectory()
        try Tool.run(
            "openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory.file("key.pem"), "-days", "30",
                "-subj", "/CN=Kaspersky Anti-Virus Personal Root Certificate/O=AO Kaspersky Lab", "-outform", "DER",
                "-out", directory.file("root.der"),
            ]
        )
        let der = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory.file("root.der"))))
        // The Blob value: properties (identifier, 1, length, data); a SHA-1 hash first, then the certificate.
        func property(_ identifier: UInt32, _ data: [UInt8]) -> [UInt8] {
            [identifier, 1, UInt32(data.count)].flatMap { word in
                (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) }
            }
                + data
        }
        let blob = property(3, [UInt8](repeating: 0xAB, count: 20)) + property(0x20, der)
        let hex = blob.map { String(format: "%02x", $0) }.joined()
        let stores = "Microsoft\\SystemCertificates\\"
        try Self.hive(
            directory.file("SOFTWARE"),
            [
                stores + "ROOT\\Certificates\\ABABABAB": ["Blob": ("binary-hex", hex)],
                stores + "Disallowed\\Certificates\\ABABABAB": ["Blob": ("binary-hex", hex)],
            ]
        )
        let outcome = try await scan([directory.file("SOFTWARE")])
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        #expect(
            outcome.installations.map { [$0.product, $0.record] } == [
                ["kaspersky-traffic-inspection-root", "HKLM\\SOFTWARE\\" + stores + "ROOT\\Certificates\\ABABABAB"]
            ],
            "a distrusted certificate is no installation"
        )
        #expect(outcome.installations.first?.evidence.contains { $0.field == "root" } == true)
    }

    @Test func aRenamedHiveInsideAnArchiveIsReadByItsContent() async throws {
        let directory = TemporaryDirectory()
        let hive = try Self.hive(
            directory.file("hive.bin"),
            [
                "Software\\" + Self.uninstall + "Kaspersky Security Center Network Agent": [
                    "DisplayName": ("sz", "Kaspersky Security Center Network Agent"),
                    "Publisher": ("sz", "Kaspersky"),
                ]
            ],
            recordedName: "\\??\\C:\\Users\\ana\\ntuser.dat"
        )
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: hive)))
        try ArchiveBuilder.write(
            directory.file("profile-backup.tar.gz"),
            format: .tar,
            filter: .gzip,
            entries: [("backup/registry-copy.bin".bytes, bytes)]
        )
        let outcome = try await scan([directory.file("profile-backup.tar.gz")])
        let found = outcome.installations.map { [$0.product, $0.record] }
        #expect(
            found == [
                [
                    "kaspersky-security-center-network-agent",
                    "HKCU\\Software\\" + Self.uninstall + "Kaspersky Security Center Network Agent",
                ]
            ],
            "the recorded name says it is a user hive: \(found)"
        )
    }

    @Test func aDirtyHiveIsReadAsCommittedAndReported() async throws {
        let directory = TemporaryDirectory()
        let path = try Self.hive(
            directory.file("SOFTWARE"),
            [
                Self.uninstall + "AVP": [
                    "DisplayName": ("sz", "Kaspersky Total Security"), "Publisher": ("sz", "Kaspersky"),
                ]
            ]
        )
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        // A change began (primary sequence number) and never finished (secondary): Windows left it
        // in the logs.
        bytes[4] &+= 1
        let checksum = stride(from: 0, to: 508, by: 4).reduce(UInt32(0)) { sum, offset in
            sum ^ (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
        }
        for index in 0..<4 { bytes[508 + index] = UInt8(truncatingIfNeeded: checksum >> (8 * index)) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let outcome = try await scan([path])
        #expect(outcome.installations.map(\.product) == ["kaspersky-consumer-windows"])
        #expect(outcome.events(.unsupported).contains { $0.message.contains("dirty") }, "\(outcome.events)")
    }

    @Test func aTransactionLogIsRecognisedAndNotReadAsAHive() async throws {
        let directory = TemporaryDirectory()
        let path = try Self.hive(
            directory.file("SOFTWARE"),
            [Self.uninstall + "KES": ["DisplayName": ("sz", "Kaspersky Endpoint Security")]]
        )
        var log = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        // The base block of a log names its type (6: a log of the format Windows 8.1 and later write).
        log[28] = 6
        try directory.write("SOFTWARE.LOG1", log)
        let outcome = try await scan([directory.path])
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        #expect(outcome.installations.map { $0.location.path.displayString.hasSuffix("/SOFTWARE") } == [true])
        let logFindings = outcome.detections.filter { $0.location.path.displayString.hasSuffix(".LOG1") }
        #expect(logFindings.allSatisfy { $0.confidence == .mention && $0.item.format == .registryHive })
    }

    @Test func aDamagedHiveIsACorruptEventAndTheScanGoesOn() async throws {
        let directory = TemporaryDirectory()
        let path = try Self.hive(
            directory.file("SOFTWARE"),
            [Self.uninstall + "KES": ["DisplayName": ("sz", "Kaspersky Endpoint Security")]]
        )
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        // Point the root key at the middle of nowhere.
        bytes[36] = 0xF0
        bytes[37] = 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try directory.write("notes.txt", text: mentionText)
        let outcome = try await scan([directory.path])
        #expect(outcome.events(.corrupt).contains { $0.message.contains("registry") }, "\(outcome.events)")
        #expect(outcome.detections.contains { $0.location.path.displayString.hasSuffix("notes.txt") })
    }

    @Test func wineRegistriesAndRegeditExportsAreRead() async throws {
        let directory = TemporaryDirectory()
        try directory.write(
            "system.reg",
            text: """
                WINE REGISTRY Version 2
                ;; All keys relative to \\\\Machine

                #arch=win64

                [Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Uninstall\\\\{2924BEDA-E0D7-4DAF-A224-50D2E0B12F5B}] 1733300000
                #time=1db4a3f5c2b8e10
                "DisplayName"="Kaspersky Plus"
                "Publisher"="Kaspersky"
                "InstallLocation"="C:\\\\Program Files (x86)\\\\Kaspersky Lab\\\\Kaspersky Plus 21.16\\\\"
                "EstimatedSize"=dword:0004a1b2

                [Software\\\\Wine\\\\Drives] 1733300000
                "c:"="hd"

                """
        )
        let export = """
            Windows Registry Editor Version 5.00

            [HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\KAVFS]
            "Type"=dword:00000010
            "ImagePath"=hex(2):22,00,43,00,3a,00,5c,00,50,00,72,00,6f,00,67,00,72,00,61,00,\\
              6d,00,20,00,46,00,69,00,6c,00,65,00,73,00,22,00,00,00
            "DisplayName"="Kaspersky Security Service"

            [-HKEY_LOCAL_MACHINE\\SOFTWARE\\Removed]

            """
        // regedit writes UTF-16LE with a byte-order mark and CR LF line ends.
        let utf16: [UInt8] =
            [0xFF, 0xFE]
            + export.replacingOccurrences(of: "\n", with: "\r\n").utf16.flatMap {
                [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)]
            }
        try directory.write("services.reg", utf16)
        let outcome = try await scan([directory.path])
        #expect(outcome.events.isEmpty, "\(outcome.events)")
        let found = Set(outcome.installations.map { [$0.product, $0.record ?? ""] })
        #expect(
            found == [
                [
                    "kaspersky-consumer-windows",
                    "HKLM\\Software\\" + Self.uninstall + "{2924BEDA-E0D7-4DAF-A224-50D2E0B12F5B}",
                ],
                ["kaspersky-security-windows-server", "HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\KAVFS"],
            ],
            "\(found)"
        )
    }

    @Test func anExcludedProductInTheRegistryIsExemptAndTheStricterLawShowsBothReasons() throws {
        let directory = TemporaryDirectory()
        try Self.hive(
            directory.file("SOFTWARE"),
            [
                Self.uninstall + "{CYBERTRACE}": [
                    "DisplayName": ("sz", "Kaspersky CyberTrace"), "Publisher": ("sz", "AO Kaspersky Lab"),
                ]
            ]
        )
        let result = try EmbargoProcess.run([
            "scan", directory.path, "--policy", "us-bis-kaspersky-2024", "--as-of", "2026-01-01", "--format", "jsonl",
            "--fail-on", "prohibited",
        ])
        #expect(result.status == 0, "\(result.errors)")
        let findings = try result.records().filter { $0["type"] as? String == "finding" }
        #expect(findings.map { $0["product"] as? String } == ["kaspersky-threat-intelligence"])
        #expect(findings.map { $0["verdict"] as? String } == ["exempt"])
        // Under the default policy the FCC's stricter verdict stands, on the same product's finding,
        // and the BIS exclusion is shown beside it.
        let combined = try EmbargoProcess.run([
            "scan", directory.path, "--as-of", "2026-01-01", "--format", "jsonl", "--fail-on", "never",
        ])
        let both = try combined.records().filter { $0["type"] as? String == "finding" }
        #expect(both.map { $0["product"] as? String } == ["kaspersky-threat-intelligence"])
        #expect(both.map { $0["policy"] as? String } == ["fcc-covered-list"])
        #expect(both.map { $0["verdict"] as? String } == ["prohibited"])
        let opinions = both.first?["otherPolicies"] as? [[String: Any]] ?? []
        #expect(opinions.map { $0["policy"] as? String } == ["us-bis-kaspersky-2024"])
        #expect(opinions.map { $0["verdict"] as? String } == ["exempt"])
        #expect((opinions.first?["reason"] as? String)?.contains("Threat Intelligence") == true)
    }
}
