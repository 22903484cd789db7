internal import EmbargoFormats

/// Facts of executables: PE version resources and Authenticode signers, Mach-O code signatures,
/// Team IDs and embedded bundle identifiers.
enum ExecutableFacts {
    static func portableExecutable(
        _ content: ItemContent,
        location: Location,
        into extraction: inout FactExtractor.Extraction
    ) {
        do {
            let binary = try PortableExecutable.read(content)
            extraction.facts += versionFacts(binary.versionStrings)
            extraction.facts += signatureFacts(binary.signatures)
            for warning in binary.warnings {
                extraction.events.append(
                    ScanEvent(
                        kind: .corrupt,
                        location: location,
                        message: "part of the PE file could not be read: \(warning)"
                    )
                )
            }
        } catch {
            extraction.events.append(ScanEvent(failure: error, at: location, doing: "the PE headers could not be read"))
        }
    }

    static func machO(_ content: ItemContent, location: Location, into extraction: inout FactExtractor.Extraction) {
        do {
            for slice in try MachOBinary.read(content).slices {
                if let team = slice.teamIdentifier {
                    extraction.facts.append(Fact(kind: .teamIdentifier, value: team, field: "code signature"))
                }
                if let bundle = slice.bundleIdentifier {
                    extraction.facts.append(Fact(kind: .bundleIdentifier, value: bundle, field: "__info_plist"))
                }
                if let identifier = slice.codeIdentifier {
                    extraction.facts.append(
                        Fact(kind: .bundleIdentifier, value: identifier, field: "code signature identifier")
                    )
                }
                extraction.facts += signatureFacts(slice.signatures)
            }
        } catch {
            extraction.events.append(
                ScanEvent(failure: error, at: location, doing: "the Mach-O headers could not be read")
            )
        }
    }

    static func versionFacts(_ strings: [(key: String, value: String)]) -> [Fact] {
        let kinds: [String: Fact.Kind] = [
            "CompanyName": .versionCompanyName, "ProductName": .versionProductName,
            "FileDescription": .versionFileDescription, "OriginalFilename": .versionOriginalFilename,
            "LegalCopyright": .versionLegalCopyright,
        ]
        return strings.compactMap { entry in
            guard let kind = kinds[entry.key], !entry.value.isEmpty else { return nil }
            return Fact(kind: kind, value: entry.value, field: entry.key)
        }
    }

    static func signatureFacts(_ signatures: [SignedDataCertificates]) -> [Fact] {
        var facts: [Fact] = []
        for (index, signature) in signatures.enumerated() {
            let prefix = index == 0 ? "" : "nested signature \(index): "
            for (position, certificate) in signature.certificates.enumerated() {
                let field = prefix + (certificate == signature.signer ? "signer" : "chain[\(position)]")
                facts.append(Fact(kind: .certificateSubject, value: certificate.subject, field: field))
                facts.append(Fact(kind: .certificateIssuer, value: certificate.issuer, field: field))
            }
        }
        return facts
    }
}
