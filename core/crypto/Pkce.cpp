// SPDX-License-Identifier: MIT
#include "crypto/Pkce.h"

#include "crypto/Base64Url.h"
#include "crypto/Random.h"
#include "util/Secret.h"

#include <QCryptographicHash>

namespace lanyard::crypto::pkce {

QString verifier()
{
    return randomUrlSafe(32);
}

bool isValidVerifier(const QString& verifier)
{
    if (verifier.size() < 43 || verifier.size() > 128)
        return false;
    for (const QChar c : verifier) {
        const char16_t u = c.unicode();
        const bool ok = (u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-'
            || u == '.' || u == '_' || u == '~';
        if (!ok)
            return false;
    }
    return true;
}

QString challengeS256(const QString& verifier)
{
    const QByteArray digest = QCryptographicHash::hash(verifier.toLatin1(), QCryptographicHash::Sha256);
    return QString::fromLatin1(base64UrlEncode(digest));
}

bool verifyS256(const QString& verifier, const QString& challenge)
{
    if (!isValidVerifier(verifier))
        return false;
    return constantTimeEquals(challengeS256(verifier).toLatin1(), challenge.toLatin1());
}

} // namespace lanyard::crypto::pkce
