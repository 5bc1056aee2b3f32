// SPDX-License-Identifier: MIT
#include "crypto/Base64Url.h"

namespace lanyard::crypto {

QByteArray base64UrlEncode(QByteArrayView data)
{
    return data.toByteArray().toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
}

namespace {
int sextet(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}
} // namespace

std::optional<QByteArray> base64UrlDecode(QByteArrayView text)
{
    if (text.size() % 4 == 1)
        return std::nullopt;
    QByteArray out;
    out.reserve(text.size() / 4 * 3 + 2);
    quint32 acc = 0;
    int bits = 0;
    for (const char c : text) {
        const int v = sextet(c);
        if (v < 0)
            return std::nullopt;
        acc = (acc << 6) | static_cast<quint32>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.append(static_cast<char>((acc >> bits) & 0xFFu));
            acc &= (1u << bits) - 1u;
        }
    }
    // 2 or 4 bits left over must be zero, otherwise two texts would decode to the same bytes.
    if (bits > 0 && acc != 0)
        return std::nullopt;
    return out;
}

} // namespace lanyard::crypto
