// SPDX-License-Identifier: MIT
#pragma once

#include "auth/BrowserLauncher.h"
#include "auth/Discovery.h"
#include "auth/LoopbackListener.h"
#include "auth/SignIn.h"
#include "auth/TokenCache.h"
#include "util/Error.h"
#include "util/Json.h"
#include "util/Secret.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QUrl>

#include <functional>
#include <map>
#include <optional>
#include <vector>

class QNetworkAccessManager;

namespace lanyard {
class Clock;
}

namespace lanyard::auth {

class CredentialStore;
class HttpClient;
class KeySetRegistry;
class LifecycleLog;

// The `identity` block of the configuration: how the person signs in (docs/config.md).
struct IdentitySettings
{
    QString authority; // https://login.microsoftonline.com/<tenant>[/v2.0]
    QString clientId; // the Lanyard app registration (public client)
    QStringList signInScopes; // resource scopes asked for at sign-in besides openid profile offline_access
    LoopbackListener::Options loopback; // redirectHost, redirectPort, redirectPath, signInTimeoutSeconds
    int refreshLeadSecs = 60;
    int clockSkewSecs = 300;
    QString store = QStringLiteral("keychain"); // keychain | memory | file
    QString storeFile; // for "file" (default: <data dir>/<profile>/credentials.json)
    QString profile = QStringLiteral("default");
    QString loginHint;
    QString prompt; // e.g. select_account
    bool assumeS256 = true; // PKCE S256 when the metadata lists no methods (Entra never does)

    bool isConfigured() const { return !authority.isEmpty() && !clientId.isEmpty(); }
    static std::optional<IdentitySettings> fromJson(const json& identity, Error* error);
    // Per-profile directory for the journal and the opt-in credential file (XDG data dir).
    QString dataDirectory() const;
};

// The signed-in person, as established by a validated ID token. The refresh token is a Secret.
struct Account
{
    QString issuer;
    QString tenantId;
    QString objectId;
    QString subject;
    QString username; // preferred_username
    QString name;
    QString clientId;
    QString authority;
    json idClaims = json::object();
    Secret idToken;
    Secret refreshToken;
    QDateTime signedInAt;

    bool isSignedIn() const { return !refreshToken.isEmpty() || !idToken.isEmpty(); }
    // Stable identity for cache keys: "<tid>/<oid>", else the sub.
    QString subjectKey() const;
    QByteArray serialize() const;
    static std::optional<Account> deserialize(const QByteArray& bytes);
};

// One person's sign-in with Entra ID (or an Entra-compatible IdP), carried to every server.
// Holds the account and its refresh token (in the credential store), gets Entra access tokens per
// resource through the refresh token (Entra refresh tokens are not bound to a resource), starts an
// interactive sign-in when nothing else helps, and reports everything to the lifecycle log.
class IdentityManager : public QObject
{
    Q_OBJECT
public:
    explicit IdentityManager(QObject* parent = nullptr);
    ~IdentityManager() override;

    // Applies settings; a different authority, client or profile forgets the loaded account.
    void configure(const IdentitySettings& settings);
    const IdentitySettings& settings() const { return m_settings; }
    bool isConfigured() const { return m_settings.isConfigured(); }

    // Injection points (call before use). The clock must outlive the manager.
    void setClock(const Clock* clock);
    const Clock* clock() const { return m_clock; }
    void setNetwork(QNetworkAccessManager* network);
    // Takes ownership. Default: a KeychainStore (or as the settings say, see createStore()).
    void setStore(CredentialStore* store);
    CredentialStore* store();
    void setBrowserLauncher(BrowserLauncher launcher) { m_launcher = std::move(launcher); }
    BrowserLauncher browserLauncher() const { return m_launcher; }
    // For sign-ins run by other strategies (their own authorization server): tell the UI.
    void announceSignIn(const QUrl& authorizationUrl) { emit signInStarted(authorizationUrl); }
    void announceNotice(const QString& server, const QString& strategy, const QString& message);
    // false: never start a browser sign-in on its own (a token need fails with "sign in first").
    void setInteractive(bool interactive) { m_interactive = interactive; }
    bool isInteractive() const { return m_interactive; }

    HttpClient* http() const { return m_http; }
    KeySetRegistry* keys() const { return m_keys; }
    TokenCache* cache() { return &m_cache; }
    LifecycleLog* lifecycle() const { return m_lifecycle; }

    using DoneCallback = std::function<void(const Error& error)>;
    using TokenCallback = std::function<void(const TokenPtr& token, const Error& error)>;

    // The discovery document (fetched once; the PKCE notice is given here).
    void metadata(QObject* context, std::function<void(const AuthServerMetadata& metadata, const Error& error)> done);
    // Metadata of another authorization server (a token service a server's RFC 9728 metadata
    // names): the first usable document of its RFC 8414 / OpenID candidate URLs, fetched once per
    // issuer for every server's strategy (askers at the same time wait for the same fetch) and kept
    // for kIssuerMetadataSecs. done(nullopt) when no candidate gave one (not kept: the next ask
    // fetches again). Not called once `context` is gone.
    void issuerMetadata(const QUrl& issuer, QObject* context,
        std::function<void(const std::optional<AuthServerMetadata>& metadata)> done);
    static constexpr int kIssuerMetadataSecs = 600;
    // Read it again at the next ask (a server refused a fresh token: what was read may be stale).
    void forgetIssuerMetadata(const QUrl& issuer);
    // Reads the account from the store (once per configuration).
    void loadAccount(QObject* context, DoneCallback done);
    bool isSignedIn() const { return m_account.isSignedIn(); }
    const Account& account() const { return m_account; }

    struct SignInRequest
    {
        QStringList scopes; // resource scopes (one resource); empty = the settings' signInScopes
        QString claims; // claims challenge
        QString server; // for the lifecycle log
        QString prompt; // overrides the settings' prompt
    };
    // Interactive sign-in in the browser. A second call while one runs fails at once.
    void signIn(const SignInRequest& request, QObject* context, DoneCallback done);
    bool isSigningIn() const { return m_signInActive; }
    void cancelSignIn();
    // Revokes what can be revoked, forgets the account, clears the store entries and the cache.
    void signOut(QObject* context, DoneCallback done);

    struct EntraTokenRequest
    {
        QStringList scopes; // one resource's scopes (e.g. api://lab-hr/.default)
        QString server; // for the lifecycle log
        QString strategy = QStringLiteral("entra");
        QString claims; // claims challenge to satisfy
        bool forceRefresh = false;
        bool allowInteractive = true;
    };
    // An access token for `scopes`: fresh from the cache, else through the refresh token, else
    // (when interaction is allowed) through a browser sign-in.
    void entraToken(const EntraTokenRequest& request, QObject* context, TokenCallback done);
    // The ID token of the signed-in account, refreshed when it expired (for token exchange with
    // subject_token_type id_token and for cross-app access).
    void idToken(const QString& server, QObject* context, TokenCallback done);
    // The validated identity (ID token checked again: signature, iss, aud, lifetime).
    void whoami(QObject* context, std::function<void(const json& claims, const Error& error)> done);

    // Extra store keys that sign-out must remove (per-server refresh tokens of other strategies).
    void registerStoreKey(const QString& key);
    QString storeKey(const QString& what) const;

signals:
    void signInStarted(const QUrl& authorizationUrl);
    void browserFailed(const QString& reason);
    void signedIn(const QString& username);
    void signedOut();
    void noticeRaised(const QString& message);

private:
    struct RefreshJob;
    void ensureStore();
    void saveAccount(DoneCallback done);
    void runRefresh(const QStringList& scopes, const QString& claims, const QString& server, const QString& strategy,
        std::function<void(const TokenPtr&, const Error&, bool interactionHelps)> done);
    void pumpRefreshQueue();
    void revokeServerTokens(const QStringList& keys, std::function<void()> then);
    void adoptSignIn(const SignInResult& result, const QString& server);
    void validateIdToken(const QByteArray& token, bool checkLifetime,
        std::function<void(const json& claims, const Error& error, bool expired)> done);
    TokenKey keyFor(const QStringList& scopes) const;
    QStringList requestScopes(const QStringList& resourceScopes) const;
    void finishSignIn(const Error& error);

    IdentitySettings m_settings;
    const Clock* m_clock;
    HttpClient* m_http;
    KeySetRegistry* m_keys;
    LifecycleLog* m_lifecycle;
    CredentialStore* m_store = nullptr;
    TokenCache m_cache;
    BrowserLauncher m_launcher;
    bool m_interactive = true;

    std::optional<AuthServerMetadata> m_metadata;
    std::vector<std::function<void(const AuthServerMetadata&, const Error&)>> m_metadataWaiters;
    bool m_metadataFetching = false;
    struct IssuerMetadata
    {
        std::optional<AuthServerMetadata> metadata;
        QDateTime fetched;
        bool fetching = false;
        std::vector<std::pair<QPointer<QObject>, std::function<void(const std::optional<AuthServerMetadata>&)>>>
            waiters;
    };
    std::map<QString, IssuerMetadata> m_issuerMetadata;
    bool m_pkceNoticeGiven = false;

    Account m_account;
    bool m_accountLoaded = false;
    std::vector<DoneCallback> m_loadWaiters;
    bool m_loading = false;

    QPointer<AuthorizationCodeSignIn> m_signIn;
    bool m_signInActive = false;
    int m_signInAttempt = 0;
    std::vector<DoneCallback> m_signInWaiters;

    std::vector<std::shared_ptr<RefreshJob>> m_refreshQueue;
    bool m_refreshing = false;
    QStringList m_extraStoreKeys;
    int m_generation = 0;
};

} // namespace lanyard::auth
