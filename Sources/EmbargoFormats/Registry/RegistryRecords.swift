/// What a registry says is installed: the Uninstall entries programs register (machine-wide,
/// 32-bit on 64-bit, per user), services and drivers, the vendors' own keys under SOFTWARE, and the
/// certificates in the system and user certificate stores. Read from any `RegistryTree` — a hive
/// file or a text registry — by looking for the places these keys live, so a hive is understood by
/// its content whatever its file name.
public struct RegistryRecords: Sendable {
    /// An entry of `...\CurrentVersion\Uninstall`: one installed program as Windows lists it.
    public struct UninstallEntry: Sendable, Hashable {
        /// The key's path from the tree's root.
        public let keyPath: [String]
        /// `DisplayName`, `Publisher`, `DisplayVersion`, `InstallLocation`, `UninstallString`,
        /// `InstallDate`, where present.
        public let displayName, publisher, displayVersion, installLocation, uninstallString, installDate: String?
    }

    /// A service or driver of `...\Services`.
    public struct Service: Sendable, Hashable {
        /// The key's path from the tree's root.
        public let keyPath: [String]
        /// `DisplayName` and `ImagePath`, where present.
        public let displayName, imagePath: String?
        /// `Type`: 1 a kernel driver, 2 a file-system driver, 16 and 32 a service process.
        public let type: UInt64?

        /// The service's name: its key's.
        public var name: String { keyPath.last ?? "" }
    }

    /// A key directly under a SOFTWARE key (`SOFTWARE\KasperskyLab`): software of that vendor wrote it.
    public struct SoftwareKey: Sendable, Hashable {
        /// The key's path from the tree's root.
        public let keyPath: [String]

        /// The key's name.
        public var name: String { keyPath.last ?? "" }
    }

    /// A certificate in a Windows certificate store (`ROOT`, `AuthRoot`, `CA`, `TrustedPublisher`,
    /// `TrustedPeople`), from its `Blob` value.
    public struct StoredCertificate: Sendable, Hashable {
        /// The certificate's key (named by its SHA-1 thumbprint) from the tree's root.
        public let keyPath: [String]
        /// The store's name.
        public let store: String
        /// The DER certificate.
        public let certificate: [UInt8]
    }

    /// The Uninstall entries.
    public private(set) var uninstallEntries: [UninstallEntry] = []
    /// The services and drivers.
    public private(set) var services: [Service] = []
    /// The keys directly under SOFTWARE keys, but Windows' own.
    public private(set) var softwareKeys: [SoftwareKey] = []
    /// The certificates of the trusted stores.
    public private(set) var certificates: [StoredCertificate] = []
    /// Parts of the tree that could not be read (the rest was).
    public private(set) var problems: [FormatError] = []

    /// The certificate stores read: the trusted ones. `Disallowed` is not: a certificate there is
    /// distrusted, the opposite of an installation.
    static let trustedStores = ["ROOT", "AuthRoot", "CA", "TrustedPublisher", "TrustedPeople"]
    /// Where certificate stores live below a SOFTWARE key.
    static let storeLocations = [
        ["Microsoft", "SystemCertificates"], ["Microsoft", "EnterpriseCertificates"],
        ["Policies", "Microsoft", "SystemCertificates"],
    ]
    /// The most problems kept; the count of the rest is not.
    static let problemLimit = 16

    /// Reads the records of `tree`.
    ///
    /// - Throws: `FormatError` when not even the root key can be read; damage below it is collected
    ///   in `problems`.
    public init<Tree: RegistryTree>(reading tree: Tree) throws(FormatError) {
        let root = try tree.root()
        // A hive file's root is the hive; a regedit export's root holds HKEY_LOCAL_MACHINE and others.
        var hiveRoots: [(key: Tree.Key, path: [String])] = [(root, [])]
        for child in attempt({ () throws(FormatError) in try tree.children(of: root) }) ?? []
        where tree.name(of: child).uppercased().hasPrefix("HKEY_") {
            hiveRoots.append((child, [tree.name(of: child)]))
        }
        for (hive, path) in hiveRoots {
            for (software, softwarePath) in softwareKeys(tree, hive, path) {
                readUninstall(tree, software, softwarePath)
                readSoftwareKeys(tree, software, softwarePath)
                readCertificateStores(tree, software, softwarePath)
            }
            readServices(tree, hive, path)
        }
    }

    /// The SOFTWARE keys of a hive: the hive itself (a SOFTWARE hive) or its `Software` key (a user
    /// hive, a Wine file, a regedit export), where it holds `Microsoft`; and their 32-bit views.
    private mutating func softwareKeys<Tree: RegistryTree>(
        _ tree: Tree,
        _ hive: Tree.Key,
        _ path: [String]
    ) -> [(Tree.Key, [String])] {
        var found: [(Tree.Key, [String])] = []
        var candidates = [(hive, path)]
        if let software = attempt({ () throws(FormatError) in try tree.child(of: hive, named: "Software") }) ?? nil {
            candidates.append((software, path + [tree.name(of: software)]))
        }
        for (key, keyPath) in candidates
        where (attempt({ () throws(FormatError) in try tree.child(of: key, named: "Microsoft") }) ?? nil) != nil {
            found.append((key, keyPath))
            if let wow = attempt({ () throws(FormatError) in try tree.child(of: key, named: "WOW6432Node") }) ?? nil {
                found.append((wow, keyPath + [tree.name(of: wow)]))
            }
        }
        return found
    }

    private mutating func readUninstall<Tree: RegistryTree>(_ tree: Tree, _ software: Tree.Key, _ path: [String]) {
        let location = ["Microsoft", "Windows", "CurrentVersion", "Uninstall"]
        guard
            let uninstall = attempt({ () throws(FormatError) in try tree.descendant(of: software, path: location) })
                ?? nil
        else { return }
        for entry in attempt({ () throws(FormatError) in try tree.children(of: uninstall) }) ?? [] {
            guard let values = attempt({ () throws(FormatError) in try tree.values(of: entry) }) else { continue }
            let text = Self.strings(values)
            uninstallEntries.append(
                UninstallEntry(
                    keyPath: path + location + [tree.name(of: entry)],
                    displayName: text["displayname"],
                    publisher: text["publisher"],
                    displayVersion: text["displayversion"],
                    installLocation: text["installlocation"],
                    uninstallString: text["uninstallstring"],
                    installDate: text["installdate"]
                )
            )
        }
    }

    private mutating func readSoftwareKeys<Tree: RegistryTree>(_ tree: Tree, _ software: Tree.Key, _ path: [String]) {
        for child in attempt({ () throws(FormatError) in try tree.children(of: software) }) ?? [] {
            let name = tree.name(of: child)
            guard !["microsoft", "classes", "wow6432node", "policies"].contains(name.lowercased()),
                !Self.isControlSet(name)
            else { continue }
            softwareKeys.append(SoftwareKey(keyPath: path + [name]))
        }
    }

    private mutating func readCertificateStores<Tree: RegistryTree>(
        _ tree: Tree,
        _ software: Tree.Key,
        _ path: [String]
    ) {
        for location in Self.storeLocations {
            guard
                let stores = attempt({ () throws(FormatError) in try tree.descendant(of: software, path: location) })
                    ?? nil
            else { continue }
            for store in attempt({ () throws(FormatError) in try tree.children(of: stores) }) ?? [] {
                let storeName = tree.name(of: store)
                guard Self.trustedStores.contains(where: { $0.lowercased() == storeName.lowercased() }),
                    let list = attempt({ () throws(FormatError) in try tree.child(of: store, named: "Certificates") })
                        ?? nil
                else { continue }
                for entry in attempt({ () throws(FormatError) in try tree.children(of: list) }) ?? [] {
                    guard let values = attempt({ () throws(FormatError) in try tree.values(of: entry) }),
                        let blob = values.first(where: { $0.name.lowercased() == "blob" }),
                        let certificate = attempt({ () throws(FormatError) in try Self.certificate(inBlob: blob.data) })
                            ?? nil
                    else { continue }
                    certificates.append(
                        StoredCertificate(
                            keyPath: path + location + [storeName, tree.name(of: list), tree.name(of: entry)],
                            store: storeName,
                            certificate: certificate
                        )
                    )
                }
            }
        }
    }

    /// Services of every control set (`ControlSet001`, ..., `CurrentControlSet`) of a SYSTEM hive, or
    /// of the `System` key of a Wine file or regedit export.
    private mutating func readServices<Tree: RegistryTree>(_ tree: Tree, _ hive: Tree.Key, _ path: [String]) {
        var systems = [(hive, path)]
        if let system = attempt({ () throws(FormatError) in try tree.child(of: hive, named: "System") }) ?? nil {
            systems.append((system, path + [tree.name(of: system)]))
        }
        for (system, systemPath) in systems {
            for controlSet in attempt({ () throws(FormatError) in try tree.children(of: system) }) ?? [] {
                let name = tree.name(of: controlSet)
                guard Self.isControlSet(name),
                    let list = attempt({ () throws(FormatError) in try tree.child(of: controlSet, named: "Services") })
                        ?? nil
                else { continue }
                for service in attempt({ () throws(FormatError) in try tree.children(of: list) }) ?? [] {
                    guard let values = attempt({ () throws(FormatError) in try tree.values(of: service) }) else {
                        continue
                    }
                    let text = Self.strings(values)
                    services.append(
                        Service(
                            keyPath: systemPath + [name, tree.name(of: list), tree.name(of: service)],
                            displayName: text["displayname"],
                            imagePath: text["imagepath"],
                            type: values.first { $0.name.lowercased() == "type" }?.number
                        )
                    )
                }
            }
        }
    }

    /// `ControlSet` and three digits, or `CurrentControlSet`.
    static func isControlSet(_ name: String) -> Bool {
        let lowered = name.lowercased()
        if lowered == "currentcontrolset" { return true }
        guard lowered.hasPrefix("controlset") else { return false }
        let digits = lowered.dropFirst("controlset".count)
        return digits.count == 3 && digits.allSatisfy(\.isASCIIDigit)
    }

    /// The string values of a key by lower-cased name.
    private static func strings(_ values: [RegistryValue]) -> [String: String] {
        var strings: [String: String] = [:]
        for value in values {
            if let string = value.string, !string.isEmpty { strings[value.name.lowercased()] = string }
        }
        return strings
    }

    /// The DER certificate in a certificate store's `Blob` value: a list of properties (identifier,
    /// a reserved word, length, data), of which property 0x20 is the certificate.
    ///
    /// - Throws: `FormatError` when a property runs past the blob.
    static func certificate(inBlob blob: [UInt8]) throws(FormatError) -> [UInt8]? {
        let cursor = BinaryCursor(blob)
        var offset = 0
        while offset + 12 <= blob.count {
            let identifier = try cursor.u32le(at: offset)
            let length = try Checked.convert(
                try cursor.u32le(at: offset + 8),
                to: Int.self,
                "certificate property length"
            )
            let start = offset + 12
            let data = try cursor.slice(at: start, count: length, "certificate property \(identifier)")
            if identifier == 0x20 { return data }
            offset = try Checked.sum(start, length, "next certificate property")
        }
        return nil
    }

    /// The result of `body`, or nil with its error kept in `problems`.
    private mutating func attempt<T>(_ body: () throws(FormatError) -> T) -> T? {
        do {
            return try body()
        } catch {
            if problems.count < Self.problemLimit { problems.append(error) }
            return nil
        }
    }
}

extension Character {
    /// Whether the character is one of the ASCII digits 0–9.
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
