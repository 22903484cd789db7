internal import EmbargoFormats

/// Facts of Windows registries, from hive files (SOFTWARE, SYSTEM, NTUSER.DAT, under any name) and
/// text registries (Wine's `system.reg` and `user.reg`, regedit exports): Uninstall entries, services
/// and drivers, vendor keys under SOFTWARE, and the certificates of the trusted certificate stores.
/// Each is an installed record whose `record` is its key path (`HKLM\SOFTWARE\...\Uninstall\{...}`).
enum RegistryFacts {
    /// The largest registry file read (a SOFTWARE hive of a long-lived workstation is a few hundred
    /// MiB).
    static let sizeLimit: UInt64 = 1 << 30

    static func read(
        _ content: ItemContent,
        format: ContentFormat,
        logicalPath: [UInt8],
        location: Location,
        into extraction: inout FactExtractor.Extraction
    ) {
        guard
            let bytes = extraction.wholeBytes(
                of: content,
                limit: sizeLimit,
                limitName: "registry-file",
                what: "registry file",
                location: location
            )
        else { return }
        let fileName = ScanPath(bytes: Array(logicalPath.split(separator: UInt8(ascii: "/")).last ?? [])).displayString
        do {
            if format == .registryHive {
                let hive = try RegistryHive(bytes)
                // A transaction log holds changes for its hive, not a key tree of its own.
                guard !hive.isTransactionLog else { return }
                if hive.isDirty {
                    extraction.events.append(
                        ScanEvent(
                            kind: .unsupported,
                            location: location,
                            message:
                                "registry hive is dirty (sequence numbers \(hive.sequenceNumbers.primary) and \(hive.sequenceNumbers.secondary)): changes in its transaction logs (.LOG1, .LOG2) were not applied; its last committed state was read"
                        )
                    )
                }
                let label = hiveLabel(recordedName: hive.recordedFileName, fileName: fileName)
                facts(of: try RegistryRecords(reading: hive), label: label, location: location, into: &extraction)
            } else {
                let text = try RegistryText(bytes)
                let label = text.dialect == .wine ? wineLabel(text.relativeTo, fileName: fileName) : nil
                facts(of: try RegistryRecords(reading: text), label: label, location: location, into: &extraction)
                if text.skippedLines > 0 {
                    extraction.events.append(
                        ScanEvent(
                            kind: .corrupt,
                            location: location,
                            message: "text registry: \(text.skippedLines) lines could not be read and were skipped"
                        )
                    )
                }
            }
        } catch {
            extraction.events.append(ScanEvent(failure: error, at: location, doing: "registry could not be read"))
        }
    }

    private static func facts(
        of records: RegistryRecords,
        label: String?,
        location: Location,
        into extraction: inout FactExtractor.Extraction
    ) {
        func record(_ keyPath: [String]) -> String { ((label.map { [$0] } ?? []) + keyPath).joined(separator: "\\") }
        for entry in records.uninstallEntries {
            let key = record(entry.keyPath)
            if let name = entry.displayName {
                extraction.facts.append(installed(.installedName, name, field: "DisplayName", record: key))
            }
            if let publisher = entry.publisher {
                extraction.facts.append(installed(.installedPublisher, publisher, field: "Publisher", record: key))
            }
        }
        for service in records.services {
            let key = record(service.keyPath)
            let field = service.type.map { $0 & 0x3 != 0 ? "driver" : "service" } ?? "service"
            extraction.facts.append(installed(.serviceName, service.name, field: field, record: key))
            if let image = service.imagePath {
                extraction.facts.append(installed(.serviceImage, image, field: "ImagePath", record: key))
            }
        }
        for software in records.softwareKeys {
            extraction.facts.append(
                installed(.softwareKey, software.name, field: "SOFTWARE key", record: record(software.keyPath))
            )
        }
        for stored in records.certificates {
            TrustStoreFacts.certificate(
                stored.certificate,
                record: record(stored.keyPath),
                trusted: true,
                location: location,
                into: &extraction
            )
        }
        for problem in records.problems {
            extraction.events.append(
                ScanEvent(failure: problem, at: location, doing: "part of the registry could not be read")
            )
        }
    }

    private static func installed(_ kind: Fact.Kind, _ value: String, field: String, record: String) -> Fact {
        Fact(kind: kind, value: value, field: field, record: record, origin: .installedRecord)
    }

    /// Where a hive is mounted in a running Windows, from the file name it records (its last 31
    /// characters) or, failing that, the name it has; an unknown hive is named in brackets.
    static func hiveLabel(recordedName: String, fileName: String) -> String {
        let recorded = recordedName.split(separator: "\\").last.map(String.init) ?? ""
        for name in [recorded, fileName] {
            switch name.uppercased() {
            case "SOFTWARE", "SYSTEM", "SAM", "SECURITY": return "HKLM\\" + name.uppercased()
            case "DEFAULT": return "HKU\\.DEFAULT"
            case "NTUSER.DAT": return "HKCU"
            case "USRCLASS.DAT": return "HKCU\\Software\\Classes"
            default: continue
            }
        }
        return "[\(recorded.isEmpty ? fileName : recorded)]"
    }

    /// Where the keys of a Wine registry file are relative to: `\Machine` is HKLM, `\User\SID` a user.
    static func wineLabel(_ relativeTo: String?, fileName: String) -> String {
        switch relativeTo {
        case "\\Machine": "HKLM"
        case let user? where user.hasPrefix("\\User\\"): "HKU\\" + user.dropFirst("\\User\\".count)
        case "\\User": "HKCU"
        default: fileName.lowercased() == "system.reg" ? "HKLM" : "HKCU"
        }
    }
}
