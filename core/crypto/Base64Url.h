// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <optional>

namespace lanyard::crypto {

// base64url without padding (RFC 7515 §2, RFC 4648 §5).
QByteArray base64UrlEncode(QByteArrayView data);

// Strict decoding as JOSE requires: only A-Z a-z 0-9 '-' '_', no padding, no whitespace, a length
// that is not 1 mod 4, and unused trailing bits that are zero (one canonical text per value).
// Anything else yields nullopt. The empty text decodes to an empty array.
std::optional<QByteArray> base64UrlDecode(QByteArrayView text);

} // namespace lanyard::crypto
