// SPDX-License-Identifier: MIT
#pragma once

// Internal to lanyard_crypto: RAII holders for OpenSSL objects and error text. Not for other areas.

#include <QString>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>

namespace lanyard::crypto::detail {

struct OpenSslFree
{
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
    void operator()(BIGNUM* p) const { BN_clear_free(p); }
    void operator()(BIO* p) const { BIO_free_all(p); }
    void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
    void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};

template <typename T> using Owned = std::unique_ptr<T, OpenSslFree>;

// The oldest queued OpenSSL error as text (library reason only, never key material); clears the queue.
inline QString takeOpenSslError()
{
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0)
        return QStringLiteral("unknown OpenSSL error");
    char buf[256] = {};
    ERR_error_string_n(code, buf, sizeof buf);
    return QString::fromLatin1(buf);
}

inline const unsigned char* bytes(const char* p)
{
    return reinterpret_cast<const unsigned char*>(p);
}
inline unsigned char* bytes(char* p)
{
    return reinterpret_cast<unsigned char*>(p);
}

} // namespace lanyard::crypto::detail
