// SPDX-License-Identifier: MIT
#include "crypto/Random.h"

#include "crypto/Base64Url.h"
#include "crypto/OpenSsl.h"

#include <QRandomGenerator>

#include <openssl/rand.h>

#include <cstring>
#include <vector>

namespace lanyard::crypto {

QByteArray randomBytes(int n)
{
    if (n <= 0)
        return {};
    QByteArray out(n, Qt::Uninitialized);
    if (RAND_bytes(detail::bytes(out.data()), n) == 1)
        return out;
    ERR_clear_error();
    std::vector<quint32> words((static_cast<size_t>(n) + 3) / 4);
    QRandomGenerator::system()->fillRange(words.data(), static_cast<qsizetype>(words.size()));
    std::memcpy(out.data(), words.data(), static_cast<size_t>(n));
    return out;
}

QString randomUrlSafe(int bytes)
{
    return QString::fromLatin1(base64UrlEncode(randomBytes(bytes)));
}

} // namespace lanyard::crypto
