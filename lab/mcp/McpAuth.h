// SPDX-License-Identifier: MIT
#pragma once

#include "http/HttpServer.h"
#include "util/Json.h"

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>

#include <functional>

namespace lanyard::lab {

// What an MCP server's auth hook decided about one HTTP request.
struct AuthDecision
{
    bool allowed = true;
    // Allowed: the caller's claims (decoded token payload, or a synthetic set for anonymous callers).
    json claims = json::object();
    // True when no credential was presented/checked. Scope checks do not apply to anonymous callers
    // (there is nothing to step up); role checks do (anonymous callers have no roles).
    bool anonymous = true;

    // Denied: HTTP status (401 or 403) and the parts of the Bearer challenge.
    int status = 401;
    QByteArray error; // "invalid_token", "insufficient_scope", ... (may be empty for 401)
    QByteArray errorDescription; // plain text, no secrets
    QByteArray scope; // scope for the challenge; empty = the server's scopes_supported
    // Full WWW-Authenticate value; when empty the server builds
    // `Bearer resource_metadata="…", scope="…"[, error="…", error_description="…"]`.
    QByteArray wwwAuthenticate;

    static AuthDecision allowAnonymous(json claims = json::object());
    static AuthDecision allow(json claims);
    static AuthDecision deny(int status, QByteArray error = {}, QByteArray description = {});
};

using AuthHook = std::function<AuthDecision(const Request& request)>;

namespace auth {

// Default: everyone may call; claims {"sub":"anonymous"}.
AuthHook anonymous();

// For tests: "Authorization: Bearer <token>" must name one of the tokens; the caller gets that
// token's claims. Missing header → 401 without error code; unknown token → 401 invalid_token.
AuthHook staticBearer(QMap<QByteArray, json> tokens);

// The bearer token of a request ("Authorization: Bearer x"), or empty. Never log it.
QByteArray bearerToken(const Request& request);

} // namespace auth

// Who is calling, as the tools see it.
struct Caller
{
    json claims = json::object();
    bool anonymous = true;

    // oid, else sub, else preferred_username, else "anonymous".
    QString subject() const;
    QString displayName() const;
    // `roles` claim (array or space-separated string).
    QStringList roles() const;
    // `scp` (Entra, space-separated) and `scope` (RFC 8693 / OAuth), merged.
    QStringList scopes() const;
    bool hasRole(const QString& role) const { return roles().contains(role); }
    bool hasScope(const QString& scope) const { return scopes().contains(scope); }
    // The RFC 8693 delegation chain from nested `act` claims: the current actor first, then the
    // actors before it. Each entry is the `act` object without its own nested `act`.
    json delegationChain() const;
};

} // namespace lanyard::lab
