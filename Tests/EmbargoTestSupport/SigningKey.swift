import Foundation

/// An OpenPGP key made with gpg in a home directory of its own, to sign repository fixtures the way a
/// mirror's publishing tools do.
public final class SigningKey: @unchecked Sendable {
    private let home: TemporaryDirectory
    /// The public key as a binary keyring.
    public let keyring: String
    /// The public key as an armoured keyring (as apt ships keys in `/etc/apt/keyrings/*.asc`).
    public let armouredKeyring: String

    /// Makes an Ed25519 signing key for `identity`.
    public init(identity: String = "Embargo Test Archive <archive@example.org>") throws {
        home = TemporaryDirectory("embargo-gpg")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: home.path)
        keyring = home.file("keyring.gpg")
        armouredKeyring = home.file("keyring.asc")
        try gpg(["--quick-generate-key", identity, "ed25519", "sign", "never"])
        try gpg(["--output", keyring, "--export", identity])
        try gpg(["--armor", "--output", armouredKeyring, "--export", identity])
    }

    deinit {
        _ = try? Tool.run("gpgconf", ["--homedir", home.path, "--kill", "all"])
    }

    /// Writes a clear-signed copy of `file` to `output` (`Release` → `InRelease`).
    public func clearSign(_ file: String, to output: String) throws {
        try gpg(["--output", output, "--clearsign", file])
    }

    /// Writes a detached signature of `file` to `output`, armoured or binary.
    public func detachSign(_ file: String, to output: String, armoured: Bool) throws {
        try gpg((armoured ? ["--armor"] : []) + ["--output", output, "--detach-sign", file])
    }

    private func gpg(_ arguments: [String]) throws {
        try Tool.run(
            "gpg",
            ["--homedir", home.path, "--batch", "--yes", "--quiet", "--pinentry-mode", "loopback", "--passphrase", ""]
                + arguments
        )
    }
}
