// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>

namespace lanyard::crypto {

// n bytes from the OpenSSL CSPRNG (falls back to the OS generator if OpenSSL cannot deliver).
QByteArray randomBytes(int n);

// base64url text of `bytes` random bytes: for state, nonce, jti and the like.
QString randomUrlSafe(int bytes = 32);

} // namespace lanyard::crypto
