// SPDX-License-Identifier: MIT
#pragma once

#include "util/Json.h"

#include <QMap>
#include <QSet>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

// The identity lab's directory: one tenant with its users, app registrations, consents and role
// assignments, the token service's clients and target servers, and the lab's policies. Loaded
// from a JSON file (lanyard-lab --scenario FILE) or built in (Scenario::builtIn()).
namespace lanyard::lab {

// Microsoft Graph's well-known app id: OpenID Connect scopes (openid, profile, email,
// offline_access) and bare scope names ("User.Read") belong to it, as in Entra.
inline constexpr const char* kGraphAppId = "00000003-0000-0000-c000-000000000000";

struct LabUser
{
    QString oid; // object id (GUID)
    QString username; // preferred_username (UPN), e.g. ada@lanyardlab.onmicrosoft.com
    QString displayName; // name claim
    QMap<QString, QStringList> roles; // app key -> app role values assigned to the user
    bool enabled = true;
};

enum class AppPlatform {
    None, // an API only (no sign-in)
    MobileDesktop, // "Mobile and desktop applications": public client, loopback redirects on any port
    Web, // "Web": confidential, redemption needs client_secret
};

struct LabApp
{
    QString key; // the scenario's handle, e.g. "lab-hr"
    QString appId; // application (client) id, a GUID
    QString displayName;
    QStringList identifierUris; // "Application ID URI"s, e.g. api://lab-hr
    QStringList scopes; // delegated permissions the app exposes (names, e.g. HR.Read)
    QStringList appRoles; // app role values (e.g. HR.Admin)
    AppPlatform platform = AppPlatform::None;
    QStringList redirectUris;
    QString clientSecret; // Web apps only; a lab secret, not a real one
    // What the app registration asks for (what "<resource>/.default" means): resource app key ->
    // scope names.
    QMap<QString, QStringList> requiredResourceAccess;
    // Conditional-access policy of the lab: tokens for this resource need MFA (AADSTS50076).
    bool requiresMfa = false;

    bool isClient() const { return platform != AppPlatform::None; }
    bool isPublicClient() const { return platform == AppPlatform::MobileDesktop; }
};

// Delegated permissions a user (or, with an empty userOid, an administrator for everyone) granted
// to a client app on one resource app.
struct LabConsent
{
    QString userOid; // empty = admin consent (all users)
    QString clientAppId;
    QString resourceAppId;
    QStringList scopes;
};

enum class ClientAuthMethod { None, ClientSecretBasic, ClientSecretPost, PrivateKeyJwt };
QString clientAuthMethodName(ClientAuthMethod method);
std::optional<ClientAuthMethod> clientAuthMethodFromName(const QString& name);

// A client of the RFC 8693 token service.
struct TokenServiceClient
{
    QString clientId;
    QString displayName;
    ClientAuthMethod auth = ClientAuthMethod::None;
    QString secret; // client_secret_basic / client_secret_post
    json jwk; // private_key_jwt: the client's public JWK
    QStringList servers; // target server names it may get tokens for; "*" = any
    // Servers whose token-service tokens it may present as subject tokens (a server passing the
    // user's token on: delegation chains).
    QStringList ownsServers;
};

// A target of the token service: one demo MCP server.
struct TokenServiceServer
{
    QString name; // "hr"
    QString appKey; // scenario app whose role assignments apply
    QStringList scopes; // scopes the token service can grant for it
    QMap<QString, QString> roleMap; // app role value -> role in the issued token (missing = same)
    QString resource; // the server's resource URL; set when the server starts
};

struct Lifetimes
{
    int accessTokenSecs = 3600;
    int idTokenSecs = 3600;
    qint64 refreshTokenSecs = 24 * 3600; // inactivity lifetime
    int codeSecs = 600;
    int tokenServiceSecs = 3600;
};

// A scope string resolved against the directory.
struct ResolvedScope
{
    const LabApp* resource = nullptr;
    QString name; // "HR.Read", "openid", ".default"
    QString original; // as requested
    bool isOidc() const;
};

struct Scenario
{
    QString tenantId;
    QString tenantName;
    QString tenantDomain; // e.g. lanyardlab.onmicrosoft.com (also accepted as {tenant})
    QString pairwiseSalt; // makes `sub` values stable per scenario
    Lifetimes lifetimes;
    std::vector<LabUser> users;
    std::vector<LabApp> apps;
    std::vector<LabConsent> consents;
    QString tokenServiceAppKey; // the Entra app that represents the token service
    std::vector<TokenServiceClient> tokenServiceClients;
    std::vector<TokenServiceServer> tokenServiceServers;

    // The built-in scenario: Ada Admin and Olli User (consented), Chris Newcomer (not consented),
    // the Lanyard desktop client, the token service app, the demo APIs lab-hr, lab-docs and
    // lab-gateway (confidential, for On-Behalf-Of), and a desktop app wrongly registered as Web.
    static Scenario builtIn();
    // Reads a scenario file. Unknown members are ignored; missing sections keep the built-in
    // defaults only where said (lifetimes); on failure *error names the problem and its place.
    static std::optional<Scenario> fromJson(const json& document, QString* error = nullptr);
    static std::optional<Scenario> load(const QString& path, QString* error = nullptr);
    json toJson() const;

    // Look-ups. Usernames compare case-insensitively.
    const LabUser* findUser(const QString& oidOrUsername) const;
    LabUser* findUser(const QString& oidOrUsername);
    // By key or app id.
    const LabApp* findApp(const QString& keyOrAppId) const;
    LabApp* findApp(const QString& keyOrAppId);
    // By app id, api://<app id> or an identifier URI (the resource part of a scope).
    const LabApp* findResource(const QString& identifier) const;
    const TokenServiceClient* findTokenServiceClient(const QString& clientId) const;
    TokenServiceClient* findTokenServiceClient(const QString& clientId);
    const TokenServiceServer* findServer(const QString& nameOrResource) const;
    TokenServiceServer* findServer(const QString& nameOrResource);
    const LabApp* graphApp() const { return findApp(QString::fromLatin1(kGraphAppId)); }

    // Resolves one scope string ("openid", "api://lab-hr/HR.Read", "<guid>/.default", "User.Read").
    // nullopt with *error when the resource is unknown or it exposes no such scope.
    std::optional<ResolvedScope> resolveScope(const QString& scope, QString* error = nullptr) const;

    // Scopes the user (or an admin for everyone) consented to for client on resource.
    QStringList consentedScopes(const QString& userOid, const QString& clientAppId, const QString& resourceAppId) const;
    void grantConsent(
        const QString& userOid, const QString& clientAppId, const QString& resourceAppId, const QStringList& scopes);
    // Removes the user's own consents for client (all resources when resourceAppId is empty).
    void revokeConsent(const QString& userOid, const QString& clientAppId, const QString& resourceAppId = {});
    // App roles assigned to the user on an app (by key or app id).
    QStringList rolesFor(const QString& userOid, const QString& appKeyOrId) const;

    // Adds Microsoft Graph's pseudo app if absent (fromJson and builtIn call it).
    void ensureGraphApp();
};

// Fixed ids of the built-in scenario, for configs and docs.
namespace builtin {
inline constexpr const char* kTenantId = "0f4670e3-dd4e-4975-b62c-d8ecbfd8a952";
inline constexpr const char* kLanyardClientId = "90588c21-d76f-43a4-a62b-3e706c53d521";
inline constexpr const char* kTokenServiceAppId = "2d2b84a6-7b1f-4f76-994b-fbfa56e472c2";
inline constexpr const char* kHrAppId = "1279f7cf-88dc-44a4-bf90-209ffa2da0d2";
inline constexpr const char* kDocsAppId = "1e71e244-80ad-4079-acbc-7e96bb83eca9";
inline constexpr const char* kGatewayAppId = "4788030b-eab7-4516-a3ea-5386866f2c6e";
inline constexpr const char* kWebMisregisteredAppId = "6a571ec3-54ad-4f9c-bcce-d1893be22a5f";
inline constexpr const char* kAdaOid = "4082163d-537a-4d51-b069-06bc8b1bc491";
inline constexpr const char* kOlliOid = "ec9700f7-f32b-4c55-a76e-6c301aedf299";
inline constexpr const char* kChrisOid = "4f0bf5a9-7260-4d70-8ffb-8fd20dd77ade";
inline constexpr const char* kGatewaySecret = "lab-gateway-secret-not-for-production";
inline constexpr const char* kDocsServerClientId = "lab-docs-server";
inline constexpr const char* kDocsServerSecret = "lab-docs-server-secret-not-for-production";
} // namespace builtin

} // namespace lanyard::lab
