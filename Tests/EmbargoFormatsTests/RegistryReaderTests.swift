import EmbargoTestSupport
import Foundation
import Testing

@testable import EmbargoFormats

/// The registry readers against hives libhivex wrote and text registries as Wine and regedit write
/// them; damaged input ends in errors, never in a trap.
@Suite struct RegistryReaderTests {
    static func hiveBytes(
        _ keys: [String: [String: RegistryHiveFixture.Value]],
        name: String = "SOFTWARE"
    ) throws
        -> [UInt8]
    {
        let directory = TemporaryDirectory()
        let path = try RegistryHiveFixture.write(directory.file(name), keys)
        return try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test func aHiveWrittenByHivexReadsBackKeyByKey() throws {
        // Enough subkeys that hivex splits the list, and a value too large for one cell's data.
        var keys: [String: [String: RegistryHiveFixture.Value]] = [:]
        for index in 0..<600 { keys["Many\\Key\(index)"] = ["Index": ("dword", index)] }
        let long = String(repeating: "Kaspersky ", count: 2_000)
        keys["Microsoft\\Windows\\CurrentVersion\\Uninstall\\{KES}"] = [
            "DisplayName": ("sz", "Kaspersky Endpoint Security for Windows"), "": ("sz", "default"),
            "Long": ("sz", long), "Small": ("binary-hex", "0102"),
        ]
        let hive = try RegistryHive(try Self.hiveBytes(keys))
        #expect(!hive.isDirty && !hive.isTransactionLog)
        #expect(hive.recordedFileName.hasSuffix("Config\\SOFTWARE"))
        let root = try hive.root()
        let many = try #require(try hive.child(of: root, named: "many"), "names compare without case")
        let children = try hive.children(of: many)
        #expect(Set(children.map(\.name)) == Set((0..<600).map { "Key\($0)" }))
        let key599 = try #require(children.first { $0.name == "Key599" })
        #expect(try hive.values(of: key599).map(\.number) == [599])
        let entry = try #require(
            try hive.descendant(of: root, path: ["Microsoft", "Windows", "CurrentVersion", "Uninstall", "{KES}"])
        )
        let values = Dictionary(uniqueKeysWithValues: try hive.values(of: entry).map { ($0.name, $0) })
        #expect(values["DisplayName"]?.string == "Kaspersky Endpoint Security for Windows")
        #expect(values[""]?.string == "default")
        #expect(values["Long"]?.string == long)
        #expect(values["Small"]?.data == [1, 2])
    }

    @Test func everyTruncationAndCorruptionOfAHiveEndsInAnErrorOrARead() throws {
        let bytes = try Self.hiveBytes([
            "Microsoft\\Windows\\CurrentVersion\\Uninstall\\{KES}": ["DisplayName": ("sz", "Kaspersky")],
            "Microsoft\\SystemCertificates\\ROOT\\Certificates\\AB": ["Blob": ("binary-hex", "20000000010000ff")],
            "ControlSet001\\Services\\klif": ["Type": ("dword", 1)],
        ])
        for length in stride(from: 0, through: bytes.count, by: 61) {
            if let hive = try? RegistryHive(Array(bytes.prefix(length))) { _ = try? RegistryRecords(reading: hive) }
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            var damaged = bytes
            for _ in 0..<4 {
                let index = 4096 + Int.random(in: 0..<(bytes.count - 4096), using: &generator)
                damaged[index] = UInt8.random(in: 0...255, using: &generator)
            }
            if let hive = try? RegistryHive(damaged) { _ = try? RegistryRecords(reading: hive) }
        }
    }

    @Test func recordsComeFromWhereWindowsKeepsThem() throws {
        let hive = try RegistryHive(
            try Self.hiveBytes([
                "Microsoft\\Windows\\CurrentVersion\\Uninstall\\{A}": [
                    "DisplayName": ("sz", "Alpha"), "Publisher": ("sz", "Alpha Inc."),
                    "InstallDate": ("sz", "20240105"),
                ],
                "WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{B}": ["DisplayName": ("sz", "Beta")],
                "KasperskyLab\\protected": [:],
                "ControlSet001\\Services\\klif": ["Type": ("dword", 1), "ImagePath": ("expand_sz", "klif.sys")],
                "ControlSet002\\Services\\klif": ["Type": ("dword", 1)],
                "Microsoft\\SystemCertificates\\ROOT\\Certificates\\AB": [
                    "Blob": ("binary-hex", "2000000001000000020000003000")
                ],
            ])
        )
        let records = try RegistryRecords(reading: hive)
        #expect(records.problems.isEmpty, "\(records.problems)")
        #expect(Set(records.uninstallEntries.map(\.displayName)) == ["Alpha", "Beta"])
        #expect(records.uninstallEntries.first { $0.displayName == "Alpha" }?.installDate == "20240105")
        #expect(records.uninstallEntries.contains { $0.keyPath.first == "WOW6432Node" })
        #expect(records.softwareKeys.map(\.name) == ["KasperskyLab"], "Microsoft and WOW6432Node are not vendors")
        #expect(
            records.services.map { $0.keyPath.joined(separator: "\\") }.sorted() == [
                "ControlSet001\\Services\\klif", "ControlSet002\\Services\\klif",
            ]
        )
        #expect(records.services.first?.type == 1)
        #expect(records.certificates.map(\.certificate) == [[0x30, 0x00]])
    }

    @Test func wineTextRegistriesReadAsTrees() throws {
        let text = """
            WINE REGISTRY Version 2
            ;; All keys relative to \\\\User\\\\S-1-5-21-0-0-0-1000

            [Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Uninstall\\\\KTS] 1733300000
            #time=1db4a3f5c2b8e10
            "DisplayName"="Kaspersky \\x0422otal \\"Security\\""
            "Path"=str(2):"%ProgramFiles%\\\\Kaspersky Lab"
            "Multi"=str(7):"a\\0b\\0"
            "Bin"=hex:01,02,\\
              03
            "Gone"=-
            garbage line
            @="default"

            """
        let registry = try RegistryText(Array(text.utf8))
        #expect(registry.dialect == .wine)
        #expect(registry.relativeTo == "\\User\\S-1-5-21-0-0-0-1000")
        #expect(registry.skippedLines == 1)
        let key = try #require(
            try registry.descendant(
                of: try registry.root(),
                path: ["software", "Microsoft", "Windows", "CurrentVersion", "Uninstall", "KTS"]
            )
        )
        let values = Dictionary(uniqueKeysWithValues: try registry.values(of: key).map { ($0.name, $0) })
        #expect(values["DisplayName"]?.string == "Kaspersky \u{0422}otal \"Security\"")
        #expect(values["Path"]?.string == "%ProgramFiles%\\Kaspersky Lab")
        #expect(values["Path"]?.type == 2)
        #expect(values["Multi"]?.string == "a; b")
        #expect(values["Bin"]?.data == [1, 2, 3])
        #expect(values[""]?.string == "default")
        #expect(values["Gone"] == nil)
        let records = try RegistryRecords(reading: registry)
        #expect(records.uninstallEntries.map(\.displayName) == ["Kaspersky \u{0422}otal \"Security\""])
    }
}
