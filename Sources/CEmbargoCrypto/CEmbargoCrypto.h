// OpenSSL's libcrypto, for what swift-crypto does not offer: PKCS#12's legacy password-based
// encryption (RC2, 3DES, RC4 with the PKCS#12 key derivation), from its `legacy` provider.
#include <openssl/crypto.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
