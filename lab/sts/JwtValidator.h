// SPDX-License-Identifier: MIT
#pragma once

#include "crypto/Jwt.h"
#include "http/HttpServer.h"
#include "util/Json.h"

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <functional>
#include <optional>

namespace lanyard {
class Clock;
}

namespace lanyard::lab {

class RemoteKeySet;

// What a demo MCP server accepts. Two typical set-ups (IdentityLab builds both):
//  - tokens straight from the lab IdP: issuer <idp>/<tenant>/v2.0, audience the server's app id
//    (a GUID, as in Entra v2 access tokens), RS256;
//  - tokens from the lab token service: issuer the token service, audience the server's resource
//    URL, ES256.
struct JwtValidatorConfig
{
    QString issuer; // may contain "{tenantid}" (then `tenants` limits the tid)
    QStringList tenants; // accepted tid values when issuer is a template (empty = any)
    QUrl jwksUrl; // fetched over HTTP, cached, refetched once on an unknown kid
    QStringList audiences; // the server's own resource (URL or app id)
    QStringList algorithms { QStringLiteral("RS256") };
    int leewaySecs = 60;
    QStringList requiredScopes; // all needed, from "scp" (Entra) or "scope" (RFC 8693/9068)
    QString requiredAcrs; // CAE authentication context (e.g. "c1"): insufficient_claims if missing
    QString realm; // WWW-Authenticate realm (empty: not sent)
    QString resourceMetadataUrl; // RFC 9728 resource_metadata in challenges (empty: not sent)
    qint64 minRefetchIntervalSecs = 5;
    const Clock* clock = nullptr; // null: system clock; must outlive the validator
};

// The outcome of checking one request's bearer token.
struct JwtValidation
{
    bool ok = false;
    int status = 401; // 401 or 403 when !ok (200 when ok)
    QString error; // invalid_request, invalid_token, insufficient_scope, insufficient_claims;
                   // empty when the request had no token at all
    QString errorDescription; // plain language, never contains the token
    QByteArray wwwAuthenticate; // the WWW-Authenticate value to answer with when !ok
    crypto::VerifyFailure failure = crypto::VerifyFailure::None;
    json claims; // verified claims when ok
    QStringList scopes; // from scp / scope
    QStringList roles;

    explicit operator bool() const { return ok; }
};

// Bearer token validation for the lab's demo MCP servers (RFC 6750 challenges, RFC 9728
// resource_metadata, Entra's CAE insufficient_claims). One validator per protected resource.
class JwtValidator : public QObject
{
    Q_OBJECT
public:
    explicit JwtValidator(JwtValidatorConfig config, QObject* parent = nullptr);
    ~JwtValidator() override;

    const JwtValidatorConfig& config() const { return m_config; }
    RemoteKeySet* keySet() const { return m_keys; }

    using Callback = std::function<void(const JwtValidation& result)>;
    // Checks the Authorization header value ("Bearer <token>"; empty = no token). Scopes in
    // `requiredScopes` are needed in addition to the configured ones. `done` runs once, possibly
    // before this returns (keys cached) or later (keys fetched); `context` guards it.
    void validate(
        const QByteArray& authorizationHeader, QObject* context, Callback done, const QStringList& requiredScopes = {});
    void validateToken(
        const QByteArray& token, QObject* context, Callback done, const QStringList& requiredScopes = {});

    // For synchronous auth hooks: checks against the key set already fetched, without waiting.
    // When no key set is cached yet, or the token names a kid the cached set lacks, it starts a
    // (rate-limited) fetch in the background and refuses this request with 401 invalid_token
    // ("try again"). Call prefetchKeys() when the server starts so the first request succeeds.
    JwtValidation validateCached(const QByteArray& authorizationHeader, const QStringList& requiredScopes = {});
    void prefetchKeys();

    // Answers a failed validation on `responder`: status, WWW-Authenticate and a small JSON body
    // {"error", "error_description"}.
    static void sendChallenge(const ResponderPtr& responder, const JwtValidation& result);

    // WWW-Authenticate values. Quoted strings are escaped; empty parts are left out.
    static QByteArray bearerChallenge(const QString& realm, const QString& error, const QString& description,
        const QString& scope = {}, const QString& resourceMetadata = {});
    // Entra's CAE claims challenge: error="insufficient_claims", claims="<base64 of the JSON>".
    static QByteArray insufficientClaimsChallenge(const json& claimsRequest, const QString& description,
        const QString& realm = {}, const QString& resourceMetadata = {});
    // {"access_token":{"acrs":{"essential":true,"value":"<acrs>"}}}
    static json acrsClaimsRequest(const QString& acrs);

private:
    // nullopt: the header holds a single bearer token (*token); else the failure to answer.
    std::optional<JwtValidation> parseAuthorization(const QByteArray& authorizationHeader, QByteArray* token) const;
    crypto::VerifyOptions verifyOptions() const;
    JwtValidation finish(const crypto::VerifyResult& verified, const QStringList& requiredScopes) const;
    JwtValidation failure(
        int status, const QString& error, const QString& description, const QString& scope = {}) const;

    JwtValidatorConfig m_config;
    RemoteKeySet* m_keys;
};

} // namespace lanyard::lab
