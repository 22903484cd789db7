import Foundation

/// Registry hives written by libhivex (Debian's python3-hivex, which virt-tools edit Windows guests
/// with), through `Tests/Fixtures/make-registry-hive.py`.
public enum RegistryHiveFixture {
    /// A value: its type (`sz`, `expand_sz`, `dword`, `binary-hex`) and data.
    public typealias Value = (type: String, data: any Sendable)

    /// Writes a hive at `path` holding `keys` (key path → values) and returns its path; the base
    /// block records `recordedName` as the hive's file name (by default, a Windows config path
    /// ending in the file's own name).
    @discardableResult
    public static func write(
        _ path: String,
        _ keys: [String: [String: Value]],
        recordedName: String? = nil
    ) throws -> String {
        let spec = keys.mapValues { values in values.mapValues { [$0.type, $0.data] } }
        let specPath = path + ".spec.json"
        try JSONSerialization.data(withJSONObject: spec).write(to: URL(fileURLWithPath: specPath))
        defer { try? FileManager.default.removeItem(atPath: specPath) }
        try Tool.run(
            Fixtures.directory + "/make-registry-hive.py",
            [path, specPath] + (recordedName.map { [$0] } ?? [])
        )
        return path
    }
}
