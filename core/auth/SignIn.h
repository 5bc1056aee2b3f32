// SPDX-License-Identifier: MIT
#pragma once

#include "auth/BrowserLauncher.h"
#include "auth/Discovery.h"
#include "auth/LoopbackListener.h"
#include "auth/TokenEndpoint.h"
#include "util/Error.h"
#include "util/Json.h"
#include "util/Secret.h"

#include <QAbstractOAuthReplyHandler>
#include <QMap>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QUrl>

#include <functional>

class QOAuth2AuthorizationCodeFlow;

namespace lanyard {
class Clock;
}

namespace lanyard::auth {

class HttpClient;
class KeySetRegistry;

// Everything one interactive authorization-code sign-in needs. The metadata is discovered before.
struct SignInOptions
{
    AuthServerMetadata metadata;
    ClientCredentials client;       // Entra desktop apps: method None (public client)
    QStringList scopes;             // exactly what is asked for (Entra: openid profile offline_access + one resource)
    QString resource;               // RFC 8707 resource; never sent when `entra` is true
    bool entra = true;              // Entra rules: no `resource`, ID token required
    bool expectIdToken = true;      // "openid" asked for: an ID token must come back and validate
    QString expectedIssuer;         // ID token iss; default metadata.issuer ({tenantid} is substituted)
    QString claims;                 // claims request (JSON) from a claims challenge
    QString loginHint;
    QString prompt;                 // select_account, login, consent, none
    QMap<QString, QString> extraAuthorizationParameters; // tests and special IdPs
    LoopbackListener::Options loopback;
    int leewaySecs = 300;           // clock skew allowed on the ID token
};

struct SignInResult
{
    TokenResponse tokens;
    json idClaims = json::object();  // validated ID token claims (empty if no ID token was asked for)
    json idHeader = json::object();
    QStringList requestedScopes;     // what was asked for (kept: Qt overwrites its own scope(), QTBUG-66415)
    QStringList grantedScopes;       // what the token endpoint said it granted (requested ones if it said nothing)
    QUrl redirectUri;
    HttpExchange tokenExchange;      // the redacted code redemption
};

// Receives the browser's redirect for one sign-in and parses the token endpoint's answer, for
// QOAuth2AuthorizationCodeFlow. Replaces QOAuthHttpServerReplyHandler (see docs/decisions/0004):
// loopback-only exact-path listener, percent-decoding, constant-time state check with a refusal
// the caller hears about, error redirects reported, and token-endpoint errors reported instead of
// only logged. One handler per sign-in attempt.
class LoopbackReplyHandler : public QAbstractOAuthReplyHandler
{
    Q_OBJECT
public:
    LoopbackReplyHandler(LoopbackListener* listener, QObject* parent = nullptr);

    QString callback() const override;
    void networkReplyFinished(QNetworkReply* reply) override;

    void setExpectedState(const QByteArray& state) { m_state = state; }
    void setExpectedIssuer(const QString& issuer) { m_issuer = issuer; }
    void setWhat(const QString& what) { m_what = what; }
    // false: the caller redeems the code itself (client authentication Qt cannot do).
    void setForwardToFlow(bool forward) { m_forward = forward; }

signals:
    // The redirect carried a valid code for this attempt. The code itself is not in the signal.
    void codeAccepted();
    // A code for the caller to redeem itself (only when setForwardToFlow(false)).
    void codeForCaller(const lanyard::Secret& code);
    void authorizationFailed(const lanyard::Error& error);
    void tokenResultReady(const lanyard::auth::TokenResult& result);

private:
    void onCallback(const QMap<QString, QString>& params, const QString& duplicate);

    QPointer<LoopbackListener> m_listener;
    QByteArray m_state;
    QString m_issuer;
    QString m_what;
    bool m_forward = true;
};

// One interactive sign-in: authorization code + PKCE S256 in the system browser over Qt Network
// Authorization's QOAuth2AuthorizationCodeFlow (through its extension points), with Lanyard's own
// loopback listener, a fresh 32-byte state and nonce per attempt, and a validated ID token.
class AuthorizationCodeSignIn : public QObject
{
    Q_OBJECT
public:
    AuthorizationCodeSignIn(SignInOptions options, HttpClient* http, KeySetRegistry* keys, const Clock* clock = nullptr,
                            QObject* parent = nullptr);
    ~AuthorizationCodeSignIn() override;

    void setBrowserLauncher(BrowserLauncher launcher) { m_launcher = std::move(launcher); }
    // A short name of the step for messages (default "Signing in").
    void setWhat(const QString& what) { m_what = what; }

    void start();
    void cancel();
    bool isFinished() const { return m_finished; }
    QUrl authorizationUrl() const { return m_authorizationUrl; }
    QUrl redirectUri() const;
    const SignInOptions& options() const { return m_options; }

signals:
    // The URL the person must open (the caller shows it); emitted before the browser is started.
    void authorizationUrlReady(const QUrl& url);
    void browserFailed(const QString& reason);
    void succeeded(const lanyard::auth::SignInResult& result);
    void failed(const lanyard::Error& error);

private:
    void onTokenResult(const TokenResult& result);
    void redeemOurselves(const Secret& code);
    void validateIdToken(SignInResult result);
    void finishWithError(const Error& error);
    void finishWithResult(const SignInResult& result);
    void cleanup();

    SignInOptions m_options;
    HttpClient* m_http;
    KeySetRegistry* m_keys;
    const Clock* m_clock;
    BrowserLauncher m_launcher;
    QString m_what;
    LoopbackListener* m_listener = nullptr;
    LoopbackReplyHandler* m_handler = nullptr;
    QOAuth2AuthorizationCodeFlow* m_flow = nullptr;
    Secret m_verifier;
    Secret m_state;
    Secret m_nonce;
    QUrl m_authorizationUrl;
    bool m_finished = false;
    bool m_started = false;
};

} // namespace lanyard::auth

Q_DECLARE_METATYPE(lanyard::auth::SignInResult)
Q_DECLARE_METATYPE(lanyard::auth::TokenResult)
