import Foundation

/// Checks a repository's OpenPGP signature (`InRelease`, `Release` with `Release.gpg`, `repomd.xml`
/// with `repomd.xml.asc`) with Debian's `gpgv` as a subprocess — a well-kept verifier, not an OpenPGP
/// implementation of Embargo's own — against the keyrings the user gave (`--keyring`). Armoured
/// keyrings (`.asc`, as apt ships them) are de-armoured for gpgv, which reads binary keyrings only.
struct SignatureCheck: Sendable {
    /// What a check found.
    enum Outcome: Sendable, Equatable {
        /// A good signature by a key of the keyrings.
        case good(signer: String)
        /// A signature that does not verify, or is by a key the keyrings lack.
        case bad(reason: String)
        /// No signature to check.
        case unsigned
    }

    /// Binary keyrings for gpgv.
    var keyrings: [String] { files.paths }
    private let files: KeyringFiles

    /// Where gpgv is.
    static var gpgvPath: String? {
        ["/usr/bin/gpgv", "/bin/gpgv", "/usr/local/bin/gpgv"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Verifies `signed` (clear-signed when `signature` is nil, otherwise with that detached
    /// signature).
    func verify(_ signed: ScanPath, signature: ScanPath?) -> Outcome {
        guard let gpgv = Self.gpgvPath else { return .bad(reason: "gpgv is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gpgv)
        process.arguments =
            ["--status-fd", "1"] + keyrings.flatMap { ["--keyring", $0] }
            + [signature, signed].compactMap { $0?.displayString }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            return .bad(reason: "gpgv could not run: \(error.localizedDescription)")
        }
        let status = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let diagnostics = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Self.outcome(status: status, diagnostics: diagnostics, exitCode: process.terminationStatus)
    }

    /// The outcome gpgv's status lines say: good when a signature is valid and none is bad.
    static func outcome(status: String, diagnostics: String, exitCode: Int32) -> Outcome {
        var good: String?
        var valid = false
        var problem: String?
        for line in status.split(separator: "\n") where line.hasPrefix("[GNUPG:] ") {
            let fields = line.dropFirst(9).split(separator: " ", maxSplits: 2).map(String.init)
            switch fields.first {
            case "GOODSIG":
                good = fields.count > 2 ? "\(fields[2]) (key \(fields[1]))" : fields.dropFirst().joined(separator: " ")
            case "VALIDSIG": valid = true
            case "BADSIG": problem = "bad signature by \(fields.dropFirst(2).first ?? fields.dropFirst().first ?? "?")"
            case "NO_PUBKEY":
                problem = problem ?? "signed by key \(fields.dropFirst().first ?? "?"), which the keyrings do not hold"
            case "EXPKEYSIG": problem = "signed by an expired key: \(fields.dropFirst(2).first ?? "?")"
            case "REVKEYSIG": problem = "signed by a revoked key: \(fields.dropFirst(2).first ?? "?")"
            case "EXPSIG": problem = "the signature has expired"
            default: break
            }
        }
        if let problem { return .bad(reason: problem) }
        if exitCode == 0, valid, let good { return .good(signer: good) }
        let detail = diagnostics.split(separator: "\n").last.map(String.init) ?? "gpgv exited with \(exitCode)"
        return .bad(reason: detail.replacingOccurrences(of: "gpgv: ", with: ""))
    }

    /// A check with `paths`, armoured keyrings written de-armoured to `directory`.
    ///
    /// - Throws: `ScanError` for a keyring that cannot be read, or armour that does not decode.
    static func prepare(keyrings paths: [String], in directory: String) throws(ScanError) -> SignatureCheck {
        var binary: [String] = []
        var written: [String] = []
        for (index, path) in paths.enumerated() {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ScanError(message: "--keyring: cannot read '\(path)'")
            }
            let text = String(decoding: data.prefix(64), as: UTF8.self)
            guard text.contains("-----BEGIN PGP") else {
                binary.append(path)
                continue
            }
            guard let decoded = dearmored(String(decoding: data, as: UTF8.self)) else {
                throw ScanError(message: "--keyring: '\(path)' is OpenPGP armour that does not decode")
            }
            let target = directory + "/embargo-keyring-\(getpid())-\(index).gpg"
            guard FileManager.default.createFile(atPath: target, contents: decoded) else {
                KeyringFiles.remove(written)
                throw ScanError(message: "--keyring: cannot write a de-armoured copy of '\(path)' to \(directory)")
            }
            written.append(target)
            binary.append(target)
        }
        return SignatureCheck(files: KeyringFiles(paths: binary, written: written))
    }

    /// The bytes of every armoured block in `text`, concatenated (a keyring may hold several keys).
    static func dearmored(_ text: String) -> Data? {
        var result = Data()
        var body: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map({
            $0.hasSuffix("\r") ? $0.dropLast() : $0
        }) {
            if line.hasPrefix("-----BEGIN PGP") {
                body = []
            } else if line.hasPrefix("-----END PGP") {
                guard let lines = body else { return nil }
                // Armour headers end at the first empty line; the checksum line starts with '='.
                let content = (lines.firstIndex(of: "").map { Array(lines[($0 + 1)...]) } ?? lines).filter {
                    !$0.hasPrefix("=")
                }
                guard let block = Data(base64Encoded: content.joined(), options: .ignoreUnknownCharacters) else {
                    return nil
                }
                result.append(block)
                body = nil
            } else if body != nil {
                body?.append(line)
            }
        }
        return result.isEmpty ? nil : result
    }
}

/// The keyring files gpgv reads; the de-armoured copies Embargo wrote are removed when the last
/// check that uses them is gone.
private final class KeyringFiles: Sendable {
    let paths: [String]
    let written: [String]

    init(paths: [String], written: [String]) {
        self.paths = paths
        self.written = written
    }

    deinit { Self.remove(written) }

    static func remove(_ paths: [String]) {
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
    }
}
