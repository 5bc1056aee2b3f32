// SPDX-License-Identifier: MIT
#pragma once

#include "util/Json.h"

#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

// Discovery: where metadata lives, what it says, and Entra's authority forms. Pure functions
// (no networking) so every rule can be tested on its own.
namespace lanyard::auth {

inline constexpr const char* kGrantAuthorizationCode = "authorization_code";
inline constexpr const char* kGrantRefreshToken = "refresh_token";
inline constexpr const char* kGrantClientCredentials = "client_credentials";
inline constexpr const char* kGrantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";
inline constexpr const char* kGrantJwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
inline constexpr const char* kTokenTypeAccessToken = "urn:ietf:params:oauth:token-type:access_token";
inline constexpr const char* kTokenTypeIdToken = "urn:ietf:params:oauth:token-type:id_token";
inline constexpr const char* kTokenTypeJwt = "urn:ietf:params:oauth:token-type:jwt";
inline constexpr const char* kTokenTypeRefreshToken = "urn:ietf:params:oauth:token-type:refresh_token";
inline constexpr const char* kTokenTypeIdJag = "urn:ietf:params:oauth:token-type:id-jag";
inline constexpr const char* kClientAssertionTypeJwt = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// RFC 9728 protected-resource metadata URLs to try, in order: the challenge's resource_metadata
// (if any), then /.well-known/oauth-protected-resource/<path>, then the root form.
QList<QUrl> protectedResourceMetadataUrls(const QUrl& serverUrl, const QUrl& fromChallenge = {});

// Authorization-server metadata URLs to try for an issuer (RFC 8414 + OIDC Discovery, MCP order):
// with a path /p: /.well-known/oauth-authorization-server/p, /.well-known/openid-configuration/p,
// /p/.well-known/openid-configuration; without: oauth-authorization-server, openid-configuration.
QList<QUrl> authorizationServerMetadataUrls(const QUrl& issuer);

// The canonical form of a resource URI (RFC 8707 / MCP): lower-case scheme and host, no default
// port, no fragment, no trailing slash unless the path is only "/".
QString canonicalResource(const QUrl& url);
// Does the protected-resource metadata's `resource` name this server? Equal canonical forms, or
// `resource` is a path prefix of the server URL ending at a "/" boundary (same origin).
bool resourceMatchesServer(const QString& resource, const QUrl& serverUrl);

// Scopes to request (MCP): the challenge's scope if given, else all of scopes_supported, else none.
QStringList selectScopes(const QString& challengeScope, const QStringList& scopesSupported);
// Scope strings split on whitespace, duplicates removed, order kept.
QStringList splitScopes(const QString& scope);
QString joinScopes(const QStringList& scopes);
// Union, order kept (first list first).
QStringList unionScopes(const QStringList& a, const QStringList& b);

// "<resource>/.default" for an application ID URI or app GUID ("api://x" -> "api://x/.default",
// "https://x/" -> "https://x/.default"). A value that already ends with "/.default" is kept.
QString defaultScopeFor(const QString& resource);
// The resource part of an Entra scope: "api://lab-hr/HR.Read" -> "api://lab-hr", "<guid>/.default"
// -> "<guid>". OIDC scopes and bare names ("User.Read") belong to Microsoft Graph: empty.
QString scopeResource(const QString& scope);
// openid, profile, email, offline_access.
bool isOidcScope(const QString& scope);
// Entra allows only one resource per token request (AADSTS700022): the distinct resources named.
QStringList scopeResources(const QStringList& scopes);

// An Entra authority: https://login.microsoftonline.com/{tenant}[/v2.0] (or any host with the same
// path shape, like the lab's IdP).
struct EntraAuthority
{
    enum class TenantKind { Guid, Domain, Organizations, Common, Consumers };

    QUrl base;        // scheme + host + port (+ any path prefix before the tenant)
    QString tenant;   // as given (GUID lower-cased)
    TenantKind kind = TenantKind::Guid;

    // Accepts "https://host/<tenant>", ".../<tenant>/", ".../<tenant>/v2.0", and a discovery URL
    // ".../<tenant>/v2.0/.well-known/openid-configuration". On failure *error says why.
    static std::optional<EntraAuthority> parse(const QString& text, QString* error = nullptr);

    bool isMultiTenant() const { return kind == TenantKind::Organizations || kind == TenantKind::Common
                                        || kind == TenantKind::Consumers; }
    QString kindName() const;
    QUrl authorityUrl() const;   // <base>/<tenant>/v2.0
    QUrl discoveryUrl() const;   // <base>/<tenant>/v2.0/.well-known/openid-configuration
    QUrl authorizeUrl() const;   // <base>/<tenant>/oauth2/v2.0/authorize
    QUrl tokenUrl() const;       // <base>/<tenant>/oauth2/v2.0/token
    QUrl keysUrl() const;        // <base>/<tenant>/discovery/v2.0/keys
    QUrl logoutUrl() const;      // <base>/<tenant>/oauth2/v2.0/logout
    // The issuer tokens carry: <base>/<tenant GUID>/v2.0; for multi-tenant forms the template
    // <base>/{tenantid}/v2.0.
    QString expectedIssuer() const;
};

// Is this a Microsoft Entra host (login.microsoftonline.com and the national clouds)?
bool isEntraHost(const QUrl& url);
bool isGuid(const QString& text);

// RFC 8414 / OIDC discovery document, the members Lanyard uses.
struct AuthServerMetadata
{
    QString issuer;
    QUrl authorizationEndpoint;
    QUrl tokenEndpoint;
    QUrl jwksUri;
    QUrl registrationEndpoint;
    QUrl revocationEndpoint;
    QUrl endSessionEndpoint;
    QUrl userinfoEndpoint;
    QStringList scopesSupported;
    QStringList grantTypesSupported;          // empty = not given (RFC 8414 default: code + implicit)
    QStringList responseTypesSupported;
    QStringList tokenEndpointAuthMethodsSupported; // empty = not given (default client_secret_basic)
    QStringList codeChallengeMethodsSupported;
    bool codeChallengeMethodsGiven = false;  // the member is present (Entra leaves it out)
    bool clientIdMetadataDocumentSupported = false;
    QUrl source;                              // where it was read
    json raw = json::object();

    // Needs issuer; endpoints must be http(s). *error names the problem.
    static std::optional<AuthServerMetadata> fromJson(const json& doc, const QUrl& source, QString* error = nullptr);
    bool supportsGrant(const QString& grant) const;
    bool supportsAuthMethod(const QString& method) const;
    // PKCE S256 listed (true), not listed while the member is present (false).
    bool listsS256() const { return codeChallengeMethodsSupported.contains(QStringLiteral("S256")); }
};

// Does the issuer in the metadata match the issuer it was fetched for (RFC 8414 §3.3)? Entra's
// multi-tenant metadata says https://host/{tenantid}/v2.0: accepted for the matching authority.
bool issuerMatches(const QString& metadataIssuer, const QUrl& expectedIssuer);

// RFC 9728 protected-resource metadata.
struct ProtectedResourceMetadata
{
    QString resource;
    QList<QUrl> authorizationServers;
    QStringList scopesSupported;
    QUrl source;
    json raw = json::object();

    static std::optional<ProtectedResourceMetadata> fromJson(const json& doc, const QUrl& source, QString* error = nullptr);
};

} // namespace lanyard::auth
