// SPDX-License-Identifier: MIT
#pragma once

#include "util/Json.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace lanyard {

// Messages from this size on are parsed with the strict large-message parser first.
constexpr qsizetype kLargeMessageBytes = 1024 * 1024;

// One MCP message from a complete SSE event or JSON body, parsed with as few copies as possible:
// large messages by parseLargeMessageStrict (when it can), the rest by nlohmann's SAX parser with a
// DOM builder that moves strings. On invalid JSON, falls back to parseJson for the exact position in
// the error text. Never accepts what nlohmann refuses; the DOM is exactly nlohmann's.
std::optional<json> parseMessage(const QByteArray& bytes, QString* error);

// The strict parser alone: objects, arrays, strings, integers and literals, built straight from the
// bytes with every string reserved at its final size. Gives up (nullopt) on anything else: a fraction
// or exponent, a \u surrogate, a byte order mark, invalid UTF-8, bad syntax. Fuzzed against nlohmann
// (tests/fuzz/fuzz_large_message.cpp).
std::optional<json> parseLargeMessageStrict(const char* begin, const char* end);

} // namespace lanyard
