internal import CEmbargoCrypto

/// PKCS#12's legacy password-based encryption — `pbeWithSHAAnd40BitRC2-CBC`, the 3DES and RC4 schemes
/// with the PKCS#12 key derivation — as Java up to 11.0.11 and `openssl pkcs12 -legacy` write it.
/// swift-crypto has neither RC2 nor 3DES, so OpenSSL's libcrypto decrypts, with its `legacy`
/// provider loaded in a library context of Embargo's own (the process's default context is left
/// as it is).
enum LegacyPKCS12Cipher {
    /// A library context with OpenSSL's default and legacy providers, made once; OpenSSL's contexts
    /// are safe to use from several threads, and this one is never changed after it is made.
    nonisolated(unsafe) private static let context: OpaquePointer? = {
        guard let context = unsafe OSSL_LIB_CTX_new() else { return nil }
        guard unsafe OSSL_PROVIDER_load(context, "default") != nil, unsafe OSSL_PROVIDER_load(context, "legacy") != nil
        else {
            unsafe OSSL_LIB_CTX_free(context)
            return nil
        }
        return unsafe context
    }()

    /// Whether the legacy schemes can be decrypted here (libcrypto found its legacy provider).
    static var isAvailable: Bool { unsafe context != nil }

    /// `ciphertext` decrypted under the scheme and parameters of the DER AlgorithmIdentifier
    /// `algorithm` with `password`; nil when the key does not open it or the scheme is unknown.
    static func decrypt(algorithm: [UInt8], ciphertext: [UInt8], password: String) -> [UInt8]? {
        guard let context = unsafe context, ciphertext.count < Int(Int32.max), algorithm.count < Int(Int32.max)
        else { return nil }
        let identifier: UnsafeMutablePointer<X509_ALGOR>? = unsafe algorithm.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return unsafe d2i_X509_ALGOR(nil, &cursor, buffer.count)
        }
        guard let identifier = unsafe identifier else { return nil }
        defer { unsafe X509_ALGOR_free(identifier) }
        var output: UnsafeMutablePointer<UInt8>?
        var length: Int32 = 0
        let secret = Array(password.utf8CString)
        let opened = unsafe secret.withUnsafeBufferPointer { password in
            unsafe ciphertext.withUnsafeBufferPointer { input in
                unsafe PKCS12_pbe_crypt_ex(
                    identifier,
                    password.baseAddress,
                    Int32(password.count - 1),
                    input.baseAddress,
                    Int32(input.count),
                    &output,
                    &length,
                    0,
                    context,
                    nil
                )
            }
        }
        guard let plain = unsafe opened ?? output, length >= 0 else { return nil }
        defer { unsafe CRYPTO_free(plain, nil, 0) }
        return unsafe Array(UnsafeBufferPointer(start: plain, count: Int(length)))
    }
}
