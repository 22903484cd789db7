/// A mounted system root — a Linux root with a package database, or a Windows system drive — found
/// during the walk. Its installed-software records sit at fixed places, which are queued ahead of
/// the rest of the tree.
struct SystemRoot {
    /// The root directory.
    let path: ScanPath
    /// What it is, for the summary (`Linux root (dpkg, rpm)`, `Windows system drive`).
    let description: String
    /// The fixed places that exist: package databases, trust stores, program and driver directories.
    let fixedPlaces: [WalkItem]

    /// Fixed places of a Linux root, relative to it: package databases and trust stores.
    static let linuxPlaces = [
        "var/lib/dpkg/status", "var/lib/dpkg/status.d", "var/lib/rpm", "usr/lib/sysimage/rpm", "usr/share/rpm",
        "etc/ssl/certs", "etc/pki/ca-trust/extracted", "etc/pki/ca-trust/source", "etc/pki/tls/certs",
        "usr/local/share/ca-certificates", "usr/share/ca-certificates", "var/lib/ca-certificates",
    ]

    /// Fixed places of a Windows drive: the registry hives (what Windows says is installed), and where
    /// programs and drivers are installed.
    static let windowsPlaces = [
        "Windows/System32/config", "Program Files", "Program Files (x86)", "ProgramData", "Windows/System32/drivers",
    ]

    /// The system root at `directory`, given the names of its subdirectories, or nil when it is not
    /// one.
    static func recognise(
        _ directory: ScanPath,
        directoryNames names: Set<String>,
        walker: DirectoryWalker
    ) -> SystemRoot? {
        if names.contains("etc"), names.contains("usr") || names.contains("var") {
            var databases: [String] = []
            if FileStamp.of(directory.appending(Array("var/lib/dpkg/status".utf8))) != nil { databases.append("dpkg") }
            if ["var/lib/rpm", "usr/lib/sysimage/rpm"].contains(where: {
                FileStamp.isDirectory(directory.appending(Array($0.utf8)))
            }) {
                databases.append("rpm")
            }
            guard !databases.isEmpty else { return nil }
            let places = linuxPlaces.compactMap { place(directory, $0, caseInsensitive: false, walker: walker) }
            return SystemRoot(
                path: directory,
                description: "Linux root (\(databases.joined(separator: ", ")))",
                fixedPlaces: places
            )
        }
        let lowered = Set(names.map { $0.lowercased() })
        if lowered.contains("windows"), !lowered.isDisjoint(with: ["program files", "programdata", "users"]) {
            let places = windowsPlaces.compactMap { place(directory, $0, caseInsensitive: true, walker: walker) }
            guard
                places.contains(where: { $0.path.displayString.lowercased().hasSuffix("/system32/drivers") })
                    || places.count >= 2
            else { return nil }
            return SystemRoot(path: directory, description: "Windows system drive", fixedPlaces: places)
        }
        return nil
    }

    /// The item at `relative` under `root`, matching names without regard to case where asked
    /// (Windows volumes are case-insensitive), or nil when it is not there.
    private static func place(
        _ root: ScanPath,
        _ relative: String,
        caseInsensitive: Bool,
        walker: DirectoryWalker
    ) -> WalkItem? {
        var current = root
        let parts = relative.split(separator: "/").map(String.init)
        for (position, part) in parts.enumerated() {
            let isLast = position == parts.count - 1
            if caseInsensitive {
                let match = walker.list(current).items.first { item in
                    String(decoding: item.path.lastComponent, as: UTF8.self).lowercased() == part.lowercased()
                }
                guard let match else { return nil }
                current = match.path
                if isLast { return match }
            } else {
                current = current.appending(Array(part.utf8))
                if isLast {
                    if FileStamp.isDirectory(current) { return .directory(current) }
                    return FileStamp.of(current) != nil ? .file(current) : nil
                }
            }
        }
        return nil
    }
}

extension SystemRoot {
    /// What system root a file system read from an image is, given the paths of its files (from its
    /// root, `/`-separated), and which of those paths lie in its fixed places; nil when it is none.
    static func recognise(filePaths paths: [String]) -> (description: String, isFixed: (String) -> Bool)? {
        let tops = Set(paths.compactMap { $0.split(separator: "/").first.map(String.init) })
        if tops.contains("etc"), tops.contains("usr") || tops.contains("var") {
            var databases: [String] = []
            if paths.contains("/var/lib/dpkg/status") { databases.append("dpkg") }
            if paths.contains(where: { $0.hasPrefix("/var/lib/rpm/") || $0.hasPrefix("/usr/lib/sysimage/rpm/") }) {
                databases.append("rpm")
            }
            guard !databases.isEmpty else { return nil }
            let places = linuxPlaces.map { "/" + $0 }
            return (
                "Linux root (\(databases.joined(separator: ", ")))",
                { path in places.contains { path == $0 || path.hasPrefix($0 + "/") } }
            )
        }
        let lowered = Set(tops.map { $0.lowercased() })
        guard lowered.contains("windows"), !lowered.isDisjoint(with: ["program files", "programdata", "users"]) else {
            return nil
        }
        let places = windowsPlaces.map { "/" + $0.lowercased() + "/" }
        let isFixed: (String) -> Bool = { path in
            let lowered = path.lowercased()
            return places.contains { lowered.hasPrefix($0) }
        }
        let found = Set(
            paths.lazy.filter(isFixed).compactMap { path in places.first { path.lowercased().hasPrefix($0) } }
        )
        guard found.contains("/windows/system32/drivers/") || found.count >= 2 else { return nil }
        return ("Windows system drive", isFixed)
    }
}
