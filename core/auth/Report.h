// SPDX-License-Identifier: MIT
#pragma once

#include "auth/TokenCache.h"
#include "util/Json.h"

#include <QString>

namespace lanyard {
class Clock;
}

// What Lanyard shows about identities and tokens, shared by lanyard-cli and the GUI. Never
// prints a token unless `reveal` is asked for explicitly.
namespace lanyard::auth::report {

// The chain behind a server's token, oldest first: [Entra token (subject), ..., server token].
// Each element: IssuedToken::toJson(reveal) plus "role" ("subject" / "server") and "expiresIn".
json tokenChain(const TokenPtr& serverToken, const QString& server, bool reveal, const Clock* clock = nullptr);

// Human-readable: how the token was obtained, then the tokens decoded side by side (subject
// left, server token right), then the expiry.
QString tokenChainText(const TokenPtr& serverToken, const QString& server, bool reveal, const Clock* clock = nullptr);

// The validated identity as text: name, user, object and tenant id, issuer, sign-in time.
QString identityText(const json& claims);

// "in 59 min" / "expired 3 min ago".
QString relativeExpiry(const TokenPtr& token, const Clock* clock = nullptr);

} // namespace lanyard::auth::report
