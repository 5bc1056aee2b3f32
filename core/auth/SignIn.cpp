// SPDX-License-Identifier: MIT
#include "auth/SignIn.h"

#include "auth/HttpClient.h"
#include "auth/KeySets.h"
#include "crypto/Pkce.h"
#include "crypto/Random.h"
#include "util/Clock.h"
#include "util/Logging.h"
#include "util/Redact.h"

#include <QLoggingCategory>
#include <QNetworkReply>
#include <QNetworkAccessManager>
#include <QOAuth2AuthorizationCodeFlow>
#include <QtGlobal>

namespace lanyard::auth {

namespace {
// Qt Network Authorization logs the whole authorization URL (state, nonce, PKCE challenge) and
// token-request details at debug level ("qt.networkauth.*"). Whatever QT_LOGGING_RULES says, those
// categories stay at warning level in Lanyard.
QLoggingCategory::CategoryFilter g_previousFilter = nullptr;

void quietNetworkAuth(QLoggingCategory* category)
{
    if (g_previousFilter)
        g_previousFilter(category);
    if (qstrncmp(category->categoryName(), "qt.networkauth", 14) == 0) {
        category->setEnabled(QtDebugMsg, false);
        category->setEnabled(QtInfoMsg, false);
    }
}

void installQuietNetworkAuth()
{
    static bool installed = false;
    if (installed)
        return;
    installed = true;
    g_previousFilter = QLoggingCategory::installFilter(quietNetworkAuth);
}
} // namespace

// ---- LoopbackReplyHandler ------------------------------------------------------------------------

LoopbackReplyHandler::LoopbackReplyHandler(LoopbackListener* listener, QObject* parent)
    : QAbstractOAuthReplyHandler(parent), m_listener(listener), m_what(tr("Signing in"))
{
    connect(listener, &LoopbackListener::callbackReceived, this, &LoopbackReplyHandler::onCallback);
}

QString LoopbackReplyHandler::callback() const
{
    return m_listener ? m_listener->redirectUri().toString(QUrl::FullyEncoded) : QString();
}

void LoopbackReplyHandler::onCallback(const QMap<QString, QString>& params, const QString& duplicate)
{
    auto refuse = [this](const Error& error) {
        if (m_listener)
            m_listener->setResultPage(false, error.message);
        emit authorizationFailed(error);
    };
    if (!duplicate.isEmpty()) {
        refuse(Error(Error::Kind::Auth, tr("%1 failed: the sign-in answer named \"%2\" twice, so Lanyard refused it. "
                                           "Start the sign-in again.")
                                            .arg(m_what, duplicate.left(40))));
        return;
    }
    // The state comes first: an answer that does not belong to this attempt is refused, whatever it says.
    const QByteArray state = params.value(QStringLiteral("state")).toUtf8();
    if (state.isEmpty() || !constantTimeEquals(state, m_state)) {
        qCWarning(lcAuth) << "sign-in answer refused: state does not match this attempt";
        refuse(Error(Error::Kind::Auth,
                     tr("%1 failed: the answer that reached Lanyard does not belong to this sign-in (state mismatch). "
                        "It may come from an older browser tab or from another program. Start the sign-in again.")
                         .arg(m_what)));
        return;
    }
    // RFC 9207: when the server names itself, it must be the server we asked.
    const QString iss = params.value(QStringLiteral("iss"));
    if (!iss.isEmpty() && !m_issuer.isEmpty() && !issuerMatches(iss, QUrl(m_issuer))) {
        refuse(Error(Error::Kind::Auth, tr("%1 failed: the answer came from another authorization server (%2) than the one "
                                           "Lanyard asked. Start the sign-in again.")
                                            .arg(m_what, QUrl(iss).host().left(80))));
        return;
    }
    if (params.contains(QStringLiteral("error"))) {
        const OAuthError e = oauthErrorFromFields(params.value(QStringLiteral("error")),
                                                  params.value(QStringLiteral("error_description")),
                                                  params.value(QStringLiteral("error_uri")),
                                                  params.value(QStringLiteral("error_codes")));
        refuse(describeOAuthError(e, 0, m_what));
        return;
    }
    const QString code = params.value(QStringLiteral("code"));
    if (code.isEmpty()) {
        refuse(Error(Error::Kind::Auth, tr("%1 failed: the sign-in answer carried no authorization code. Start the sign-in "
                                           "again.")
                                            .arg(m_what)));
        return;
    }
    if (m_listener)
        m_listener->setResultPage(true, tr("Lanyard is finishing the sign-in."));
    emit codeAccepted();
    if (!m_forward) {
        emit codeForCaller(Secret(code));
        return;
    }
    // Hand QOAuth2AuthorizationCodeFlow the decoded code (QOAuthHttpServerReplyHandler passed it still
    // percent-encoded, and the flow encoded it again: QTBUG-81624).
    QVariantMap forFlow;
    forFlow.insert(QStringLiteral("code"), code);
    forFlow.insert(QStringLiteral("state"), QString::fromUtf8(state));
    emit callbackReceived(forFlow);
}

void LoopbackReplyHandler::networkReplyFinished(QNetworkReply* reply)
{
    // Called by the flow for the code redemption. Parse it here so that errors are reported
    // (Qt 6.4 only logs them) and the ID token is not lost in extraTokens().
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QByteArray body = reply->readAll();
    const QByteArray contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
    TokenResult result;
    HttpExchange exchange;
    exchange.method = QStringLiteral("POST");
    exchange.url = redact::url(reply->url());
    exchange.status = status;
    exchange.contentType = QString::fromLatin1(contentType.left(100));
    exchange.responseBody = redact::jsonText(body.left(4096));
    if (status == 0) {
        result.error = Error(Error::Kind::Connection,
                             tr("%1 failed: cannot reach the token endpoint %2: %3")
                                 .arg(m_what, reply->url().host(), reply->errorString()));
        exchange.error = redact::text(reply->errorString()).left(200);
    } else {
        result = parseTokenResponse(status, contentType, body, m_what);
    }
    result.exchange = exchange;
    emit tokenResultReady(result);
}

// ---- AuthorizationCodeSignIn -------------------------------------------------------------------------

AuthorizationCodeSignIn::AuthorizationCodeSignIn(SignInOptions options, HttpClient* http, KeySetRegistry* keys,
                                                 const Clock* clock, QObject* parent)
    : QObject(parent),
      m_options(std::move(options)),
      m_http(http),
      m_keys(keys),
      m_clock(clock ? clock : Clock::system()),
      m_launcher(browser::system()),
      m_what(tr("Signing in"))
{
    installQuietNetworkAuth();
}

AuthorizationCodeSignIn::~AuthorizationCodeSignIn()
{
    cleanup();
}

QUrl AuthorizationCodeSignIn::redirectUri() const
{
    return m_listener ? m_listener->redirectUri() : QUrl();
}

void AuthorizationCodeSignIn::start()
{
    if (m_started)
        return;
    m_started = true;
    const AuthServerMetadata& md = m_options.metadata;
    if (!md.authorizationEndpoint.isValid() || !md.tokenEndpoint.isValid()) {
        finishWithError(Error(Error::Kind::Config, tr("%1 failed: the authorization server's metadata names no "
                                                      "authorization or token endpoint.")
                                                       .arg(m_what)));
        return;
    }

    m_listener = new LoopbackListener(this);
    QString listenError;
    LoopbackListener::Options lo = m_options.loopback;
    if (lo.applicationName.isEmpty())
        lo.applicationName = QStringLiteral("Lanyard");
    if (!m_listener->listen(lo, &listenError)) {
        finishWithError(Error(Error::Kind::Auth, listenError));
        return;
    }
    connect(m_listener, &LoopbackListener::timedOut, this, [this] {
        finishWithError(Error(Error::Kind::Timeout,
                              tr("%1 was not finished in the browser within %2 minutes. Run the sign-in again when you "
                                 "are ready.")
                                  .arg(m_what)
                                  .arg(qMax(1, m_options.loopback.timeoutMs / 60000))));
    });

    // Fresh per attempt: 32 random bytes each (Qt 6.4 uses one 8-character state for every grant()).
    m_state = Secret(crypto::randomUrlSafe(32));
    m_nonce = Secret(crypto::randomUrlSafe(32));
    m_verifier = Secret(crypto::pkce::verifier());

    m_handler = new LoopbackReplyHandler(m_listener, this);
    m_handler->setExpectedState(m_state.reveal());
    m_handler->setExpectedIssuer(md.issuer.contains(QLatin1String("{tenantid}")) ? QString() : md.issuer);
    m_handler->setWhat(m_what);
    const bool qtRedeems = m_options.client.method == ClientAuthMethod::None
        || m_options.client.method == ClientAuthMethod::SecretPost;
    m_handler->setForwardToFlow(qtRedeems);
    connect(m_handler, &LoopbackReplyHandler::authorizationFailed, this, &AuthorizationCodeSignIn::finishWithError);
    connect(m_handler, &LoopbackReplyHandler::tokenResultReady, this, &AuthorizationCodeSignIn::onTokenResult);
    connect(m_handler, &LoopbackReplyHandler::codeForCaller, this, &AuthorizationCodeSignIn::redeemOurselves);

    m_flow = new QOAuth2AuthorizationCodeFlow(m_http->network(), this);
    m_flow->setAuthorizationUrl(md.authorizationEndpoint);
    m_flow->setAccessTokenUrl(md.tokenEndpoint);
    m_flow->setClientIdentifier(m_options.client.clientId);
    m_flow->setScope(joinScopes(m_options.scopes));
    m_flow->setState(QString::fromUtf8(m_state.reveal()));
    m_flow->setReplyHandler(m_handler);
    if (m_options.client.method == ClientAuthMethod::SecretPost)
        m_flow->setClientIdentifierSharedKey(m_options.client.secret.revealString());

    // Extension point: PKCE, nonce and the other parameters Qt 6.4 does not know. At the
    // authorization stage Qt puts values into the query as they are and leaves '+' unencoded (a
    // server reads it as a space), so the values go in already percent-encoded.
    const QString challenge = crypto::pkce::challengeS256(m_verifier.revealString());
    const QString nonce = m_nonce.revealString();
    const QString verifier = m_verifier.revealString();
    SignInOptions o = m_options;
    m_flow->setModifyParametersFunction([o, challenge, nonce, verifier](QAbstractOAuth::Stage stage,
                                                                        QMultiMap<QString, QVariant>* p) {
        auto put = [p](const QString& key, const QString& value) {
            p->remove(key);
            p->insert(key, QString::fromLatin1(QUrl::toPercentEncoding(value)));
        };
        if (stage == QAbstractOAuth::Stage::RequestingAuthorization) {
#if QT_VERSION < QT_VERSION_CHECK(6, 8, 0)
            put(QStringLiteral("code_challenge"), challenge);
            put(QStringLiteral("code_challenge_method"), QStringLiteral("S256"));
#endif
            if (o.expectIdToken)
                put(QStringLiteral("nonce"), nonce);
            if (!o.resource.isEmpty() && !o.entra)
                put(QStringLiteral("resource"), o.resource);
            if (!o.claims.isEmpty())
                put(QStringLiteral("claims"), o.claims);
            if (!o.loginHint.isEmpty())
                put(QStringLiteral("login_hint"), o.loginHint);
            if (!o.prompt.isEmpty())
                put(QStringLiteral("prompt"), o.prompt);
            for (auto it = o.extraAuthorizationParameters.cbegin(); it != o.extraAuthorizationParameters.cend(); ++it)
                put(it.key(), it.value());
            // The scope goes in encoded as well (Qt adds it raw).
            put(QStringLiteral("scope"), joinScopes(o.scopes));
            if (o.scopes.isEmpty())
                p->remove(QStringLiteral("scope"));
        } else if (stage == QAbstractOAuth::Stage::RequestingAccessToken) {
            // Values at this stage are already percent-encoded by Qt.
#if QT_VERSION < QT_VERSION_CHECK(6, 8, 0)
            put(QStringLiteral("code_verifier"), verifier);
#endif
            if (!o.resource.isEmpty() && !o.entra)
                put(QStringLiteral("resource"), o.resource);
        }
    });
#if QT_VERSION >= QT_VERSION_CHECK(6, 8, 0)
    m_flow->setPkceMethod(QOAuth2AuthorizationCodeFlow::PkceMethod::S256);
#endif

    connect(m_flow, &QAbstractOAuth::authorizeWithBrowser, this, [this](const QUrl& url) {
        m_authorizationUrl = url;
        emit authorizationUrlReady(url);
        if (m_finished || !m_launcher)
            return;
        QString why;
        if (!m_launcher(url, &why))
            emit browserFailed(why);
    });
    qCInfo(lcAuth).noquote() << "sign-in started at" << md.authorizationEndpoint.host() << "redirect"
                             << m_listener->redirectUri().toString();
    m_flow->grant();
}

void AuthorizationCodeSignIn::redeemOurselves(const Secret& code)
{
    FormFields form{{QStringLiteral("grant_type"), QStringLiteral("authorization_code")},
                    {QStringLiteral("code"), code.revealString()},
                    {QStringLiteral("redirect_uri"), m_listener ? m_listener->redirectUri().toString() : QString()},
                    {QStringLiteral("code_verifier"), m_verifier.revealString()}};
    if (!m_options.resource.isEmpty() && !m_options.entra)
        form.append({QStringLiteral("resource"), m_options.resource});
    requestToken(m_http, m_options.metadata.tokenEndpoint, form, m_options.client, m_what, m_clock, this,
                 [this](const TokenResult& r) { onTokenResult(r); });
}

void AuthorizationCodeSignIn::onTokenResult(const TokenResult& result)
{
    if (m_finished)
        return;
    if (!result.ok()) {
        Error e = result.error;
        finishWithError(e);
        return;
    }
    SignInResult r;
    r.tokens = *result.response;
    r.requestedScopes = m_options.scopes;
    r.grantedScopes = r.tokens.scopeGiven ? splitScopes(r.tokens.scope) : m_options.scopes;
    r.redirectUri = redirectUri();
    r.tokenExchange = result.exchange;
    if (!m_options.expectIdToken) {
        finishWithResult(r);
        return;
    }
    if (r.tokens.idToken.isEmpty()) {
        finishWithError(Error(Error::Kind::Auth, tr("%1 failed: the identity provider sent no ID token although \"openid\" "
                                                    "was asked for, so Lanyard cannot tell who signed in.")
                                                     .arg(m_what)));
        return;
    }
    validateIdToken(std::move(r));
}

void AuthorizationCodeSignIn::validateIdToken(SignInResult result)
{
    crypto::VerifyOptions vo;
    vo.algorithms = {QStringLiteral("RS256"), QStringLiteral("ES256"), QStringLiteral("PS256"), QStringLiteral("RS384"),
                     QStringLiteral("RS512"), QStringLiteral("ES384")};
    vo.issuers = {m_options.expectedIssuer.isEmpty() ? m_options.metadata.issuer : m_options.expectedIssuer};
    vo.audiences = {m_options.client.clientId};
    vo.nonce = m_nonce.revealString();
    vo.leewaySecs = m_options.leewaySecs;
    vo.clock = m_clock;
    vo.requiredClaims = {QStringLiteral("sub")};
    const QByteArray token = result.tokens.idToken.reveal();
    m_keys->verify(m_options.metadata.jwksUri, token, vo, this,
                   [this, result](const crypto::VerifyResult& verified, const Error& error) mutable {
                       if (m_finished)
                           return;
                       if (error.isError()) {
                           Error e = error;
                           e.message = tr("%1 failed: %2").arg(m_what, error.message);
                           finishWithError(e);
                           return;
                       }
                       if (!verified.ok) {
                           finishWithError(Error(Error::Kind::Auth,
                                                 tr("%1 failed: the ID token did not pass Lanyard's checks: %2")
                                                     .arg(m_what, verified.message),
                                                 0, crypto::verifyFailureName(verified.failure)));
                           return;
                       }
                       result.idClaims = verified.claims;
                       result.idHeader = verified.header;
                       finishWithResult(result);
                   });
}

void AuthorizationCodeSignIn::cancel()
{
    finishWithError(Error(Error::Kind::Cancelled, tr("%1 was cancelled.").arg(m_what)));
}

void AuthorizationCodeSignIn::finishWithError(const Error& error)
{
    if (m_finished)
        return;
    m_finished = true;
    qCInfo(lcAuth).noquote() << "sign-in failed:" << Error::kindName(error.kind) << error.message;
    cleanup();
    emit failed(error);
}

void AuthorizationCodeSignIn::finishWithResult(const SignInResult& result)
{
    if (m_finished)
        return;
    m_finished = true;
    qCInfo(lcAuth).noquote() << "sign-in finished; access token" << result.tokens.accessToken.fingerprint();
    cleanup();
    emit succeeded(result);
}

void AuthorizationCodeSignIn::cleanup()
{
    if (m_listener)
        m_listener->close();
    if (m_flow) {
        // Qt's flow listens to the manager's authenticationRequired (to answer a token endpoint's
        // challenge with the client's credentials). It stops now, not when the flow is deleted: while
        // anybody listens, FastNetworkAccessManager sends every request through Qt's HTTP stack,
        // and the requests the sign-in starts (token exchanges for every server) come before that.
        QObject::disconnect(m_http->network(), &QNetworkAccessManager::authenticationRequired, m_flow, nullptr);
        m_flow->disconnect(this);
        m_flow->setModifyParametersFunction({});
        m_flow->deleteLater();
        m_flow = nullptr;
    }
    m_verifier.wipe();
    m_nonce.wipe();
}

} // namespace lanyard::auth
