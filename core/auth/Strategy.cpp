// SPDX-License-Identifier: MIT
#include "auth/Strategy.h"

#include "auth/CredentialStore.h"
#include "auth/Identity.h"
#include "auth/Lifecycle.h"
#include "auth/Strategies.h"
#include "util/Clock.h"
#include "util/Logging.h"

#include <QDateTime>
#include <QFile>
#include <QTimer>

namespace lanyard::auth {

// ---- TokenStrategy -------------------------------------------------------------------------------

TokenStrategy::TokenStrategy(ServerConfig server, IdentityManager* identity, QObject* parent)
    : QObject(parent)
    , m_server(std::move(server))
    , m_identity(identity)
{
}

TokenStrategy::~TokenStrategy() = default;

LifecycleLog* TokenStrategy::lifecycle() const
{
    return m_identity ? m_identity->lifecycle() : nullptr;
}

bool TokenStrategy::addScopes(const QStringList& scopes)
{
    Q_UNUSED(scopes);
    return false;
}

QString TokenStrategy::str(const char* key, const QString& fallback) const
{
    return qs(authBlock(), key, fallback);
}

QStringList TokenStrategy::list(const char* key) const
{
    const json& a = authBlock();
    auto it = a.find(key);
    if (it == a.end())
        return {};
    if (it->is_string())
        return splitScopes(QString::fromStdString(it->get<std::string>()));
    QStringList out;
    if (it->is_array()) {
        for (const auto& v : *it) {
            if (v.is_string())
                out << QString::fromStdString(v.get<std::string>());
        }
    }
    return out;
}

namespace {
TokenStrategy::KeychainFactory& keychainFactory()
{
    static TokenStrategy::KeychainFactory factory;
    return factory;
}
} // namespace

void TokenStrategy::setKeychainFactory(KeychainFactory factory)
{
    keychainFactory() = std::move(factory);
}

CredentialStore* TokenStrategy::openKeychain()
{
    if (keychainFactory()) {
        if (CredentialStore* store = keychainFactory()(this))
            return store;
    }
    return new KeychainStore(QStringLiteral("lanyard"), this);
}

void TokenStrategy::loadClientCredentials(
    const QString& defaultClientId, std::function<void(const ClientCredentials&, const Error&)> done)
{
    ClientCredentials c;
    c.clientId = str("clientId", defaultClientId);
    // Without "clientAuth": a named secret means client_secret_basic (RFC 6749's default), a named
    // key private_key_jwt, nothing at all a public client.
    QString defaultMethod = QStringLiteral("none");
    if (!str("clientSecretEnv").isEmpty() || !str("clientSecretKeychain").isEmpty())
        defaultMethod = QStringLiteral("client_secret_basic");
    else if (!str("privateKeyEnv").isEmpty() || !str("privateKeyFile").isEmpty())
        defaultMethod = QStringLiteral("private_key_jwt");
    const QString methodName = str("clientAuth", defaultMethod);
    const auto method = clientAuthMethodFromName(methodName);
    const QString where = QStringLiteral("servers (\"%1\").auth").arg(m_server.name);
    if (!method) {
        done(c,
            Error(Error::Kind::Config,
                tr("%1.clientAuth \"%2\" is not known; use none, client_secret_basic, "
                   "client_secret_post or private_key_jwt.")
                    .arg(where, methodName.left(40))));
        return;
    }
    c.method = *method;
    c.assertionAudience = str("assertionAudience");
    if (c.method == ClientAuthMethod::None) {
        done(c, Error());
        return;
    }
    if (c.method == ClientAuthMethod::PrivateKeyJwt) {
        QByteArray pem;
        const QString envName = str("privateKeyEnv");
        const QString file = str("privateKeyFile");
        if (!envName.isEmpty())
            pem = qgetenv(envName.toLocal8Bit().constData());
        else if (!file.isEmpty()) {
            QFile f(file);
            if (f.open(QIODevice::ReadOnly))
                pem = f.readAll();
        }
        QString why;
        const auto key = pem.isEmpty() ? std::nullopt : crypto::Key::fromPem(pem, &why);
        pem.fill('\0');
        if (!key || !key->hasPrivateKey()) {
            done(c,
                Error(Error::Kind::Config,
                    tr("%1 uses private_key_jwt but no private key could be read from %2. Name "
                       "a PEM file (\"privateKeyFile\") or an environment variable "
                       "(\"privateKeyEnv\").")
                        .arg(where, envName.isEmpty() ? file : envName)));
            return;
        }
        c.privateKey = *key;
        const QString kid = str("keyId");
        if (!kid.isEmpty())
            c.privateKey.setKid(kid);
        done(c, Error());
        return;
    }
    const QString envName = str("clientSecretEnv");
    const QString entry = str("clientSecretKeychain");
    if (!envName.isEmpty()) {
        const QByteArray value = qgetenv(envName.toLocal8Bit().constData());
        if (value.isEmpty()) {
            done(c,
                Error(Error::Kind::Config,
                    tr("%1: the environment variable %2 (the client secret) is not set.").arg(where, envName)));
            return;
        }
        c.secret = Secret(value);
        done(c, Error());
        return;
    }
    if (!entry.isEmpty()) {
        CredentialStore* store = openKeychain();
        store->read(
            entry, [store, c, done, where, entry](const std::optional<QByteArray>& value, const Error& e) mutable {
                store->deleteLater();
                if (!value || value->isEmpty()) {
                    done(c,
                        e.isError() ? e
                                    : Error(Error::Kind::Config,
                                        QObject::tr("%1: the keychain has no entry \"%2\" (the "
                                                    "client secret). Add it with your keychain tool.")
                                            .arg(where, entry)));
                    return;
                }
                c.secret = Secret(*value);
                done(c, Error());
            });
        return;
    }
    done(c,
        Error(Error::Kind::Config,
            tr("%1 uses %2: name the client secret's environment variable (\"clientSecretEnv\") "
               "or keychain entry (\"clientSecretKeychain\"); secrets never go into the file.")
                .arg(where, methodName)));
}

// ---- ServerTokenProvider --------------------------------------------------------------------------

ServerTokenProvider::ServerTokenProvider(TokenStrategy* strategy, IdentityManager* identity, QObject* parent)
    : TokenProvider(parent)
    , m_strategy(strategy)
    , m_identity(identity)
{
    strategy->setParent(this);
}

namespace {
// The detail of the error waiters get when the provider they waited for went away.
const QString kAbandoned = QStringLiteral("token acquisition abandoned");
} // namespace

ServerTokenProvider::~ServerTokenProvider()
{
    m_dying = true; // its own waiter must not start anything now
    if (m_acquiring && m_identity && m_identity->cache()->isFetching(*m_acquiring)) {
        m_identity->cache()->complete(*m_acquiring, nullptr,
            Error(Error::Kind::Cancelled, tr("The connection that was getting this token was closed."), 0, kAbandoned));
    }
}

QString ServerTokenProvider::strategyName() const
{
    return m_strategy->name();
}

bool ServerTokenProvider::audienceMatches(const json& claims, const QStringList& expected)
{
    QStringList auds;
    if (auto it = claims.find("aud"); it != claims.end()) {
        if (it->is_string())
            auds << QString::fromStdString(it->get<std::string>());
        else if (it->is_array()) {
            for (const auto& a : *it) {
                if (a.is_string())
                    auds << QString::fromStdString(a.get<std::string>());
            }
        }
    }
    auto norm = [](const QString& s) {
        const QUrl u(s, QUrl::StrictMode);
        if (u.isValid() && (u.scheme() == QLatin1String("http") || u.scheme() == QLatin1String("https"))
            && !u.host().isEmpty())
            return canonicalResource(u);
        QString t = s;
        while (t.endsWith(QLatin1Char('/')))
            t.chop(1);
        return t.toLower();
    };
    for (const QString& a : auds) {
        for (const QString& e : expected) {
            if (!e.isEmpty() && norm(a) == norm(e))
                return true;
        }
    }
    return false;
}

// A token Lanyard obtained but would not send: a Failed mark on the server's lane, with its claims.
void ServerTokenProvider::recordRefusal(const TokenPtr& token, const Error& refusal)
{
    if (!m_identity)
        return;
    LifecycleEvent ev;
    ev.kind = LifecycleEvent::Kind::Failed;
    ev.server = m_strategy->server().name;
    ev.strategy = m_strategy->name();
    ev.fingerprint = token->fingerprint();
    ev.claims = token->mainClaims();
    ev.message = refusal.message;
    m_identity->lifecycle()->add(ev);
}

Error ServerTokenProvider::checkAudience(const TokenPtr& token)
{
    const QStringList expected = m_strategy->expectedAudiences();
    const QString server = m_strategy->server().name;
    if (!token->isJwt() || expected.isEmpty()) {
        if (!m_audienceNoticeGiven && m_identity) {
            m_audienceNoticeGiven = true;
            m_identity->lifecycle()->notice(server, m_strategy->name(),
                token->isJwt() ? tr("The audience of the token for %1 is not checked: the configuration "
                                    "names no audience or resource for it.")
                                     .arg(server)
                               : tr("The token for %1 is opaque (not a JWT), so Lanyard cannot check "
                                    "whom it is for.")
                                     .arg(server));
        }
        return Error();
    }
    if (audienceMatches(token->claims, expected))
        return Error();
    QString aud = QString::fromUtf8(dumpJson(token->claims.value("aud", json())));
    const Error e(Error::Kind::Auth,
        tr("The token obtained for server \"%1\" is meant for %2, not for this server (%3). Lanyard did not send "
           "it. Check the server's auth block (\"audience\", \"resource\", \"scopes\").")
            .arg(server, aud.left(200), expected.join(QStringLiteral(" or "))));
    recordRefusal(token, e);
    return e;
}

// A JWT whose own `exp` has passed (beyond a minute of skew) is not sent, whatever `expires_in`
// said: the server would refuse it, and "sign in again" would not help.
Error ServerTokenProvider::checkLifetime(const TokenPtr& token)
{
    if (!token->isJwt() || !token->claims.contains("exp") || !token->claims["exp"].is_number())
        return Error();
    const qint64 exp = token->claims["exp"].get<qint64>();
    const qint64 now = (m_identity ? m_identity->clock() : Clock::system())->nowSecs();
    if (exp + 60 >= now)
        return Error();
    const QString server = m_strategy->server().name;
    const Error e(Error::Kind::Auth,
        tr("The token obtained for server \"%1\" had already expired when it arrived (%2 min ago, by its own "
           "\"exp\"). Lanyard did not send it. The issuer (%3) or this computer has the wrong time, or the issuer "
           "is faulty; try again, and tell its administrators if it keeps happening.")
            .arg(server)
            .arg((now - exp) / 60)
            .arg(token->issuer.isEmpty() ? QString::fromStdString(token->claims.value("iss", std::string("?")))
                                         : token->issuer));
    recordRefusal(token, e);
    return e;
}

void ServerTokenProvider::obtain(
    const TokenStrategy::Need& need, std::function<void(const TokenPtr&, const Error&)> done)
{
    if (!m_identity) {
        done(nullptr, Error(Error::Kind::Internal, tr("The identity service is gone.")));
        return;
    }
    TokenCache* cache = m_identity->cache();
    const TokenKey key = m_strategy->cacheKey();
    if (!need.force && need.claims.isEmpty()) {
        if (TokenPtr t = cache->findFresh(key)) {
            done(t, Error());
            return;
        }
        if (TokenPtr stale = cache->find(key); stale && m_identity) {
            LifecycleEvent ev;
            ev.kind = LifecycleEvent::Kind::Expired;
            ev.server = m_strategy->server().name;
            ev.strategy = m_strategy->name();
            ev.fingerprint = stale->fingerprint();
            ev.message = stale->secondsLeft(m_identity->clock()) > 0
                ? tr("Token expires in %1 s (within the refresh lead); getting a new one.")
                      .arg(stale->secondsLeft(m_identity->clock()))
                : tr("Token expired; getting a new one.");
            m_identity->lifecycle()->add(ev);
            cache->remove(key);
        }
    } else {
        cache->remove(key);
    }
    QPointer<ServerTokenProvider> self(this);
    if (!cache->join(key, [self, need, done](const TokenPtr& t, const Error& e) {
            if (!self || self->m_dying)
                return;
            if (!t && e.kind == Error::Kind::Cancelled && e.detail == kAbandoned) {
                // The provider we waited for is gone: get it ourselves, on the next turn of the
                // event loop (not inside its destructor, and not at all if we are going too).
                QTimer::singleShot(0, self.data(), [self, need, done] {
                    if (self && !self->m_dying)
                        self->obtain(need, done);
                });
                return;
            }
            done(t, e);
        }))
        return; // someone is already getting it
    m_acquiring = key;
    m_strategy->acquire(need, [self, key](const TokenPtr& t, const Error& e) {
        if (!self || !self->m_identity)
            return;
        self->m_acquiring.reset();
        TokenCache* c = self->m_identity->cache();
        if (t) {
            // The key may name the subject only now (first sign-in during this acquisition).
            const TokenKey now = self->m_strategy->cacheKey();
            if (now.toString() != key.toString())
                c->put(now, t);
        } else if (e.isError()) {
            LifecycleEvent ev;
            ev.kind = LifecycleEvent::Kind::Failed;
            ev.server = self->m_strategy->server().name;
            ev.strategy = self->m_strategy->name();
            ev.message = e.message;
            self->m_identity->lifecycle()->add(ev);
        }
        c->complete(key, t, e);
    });
}

void ServerTokenProvider::currentToken(std::function<void(const TokenPtr&, const Error&)> done)
{
    obtain({}, std::move(done));
}

void ServerTokenProvider::headersFor(const QUrl& requestUrl, HeadersCallback callback)
{
    Q_UNUSED(requestUrl);
    if (m_strategy->waitsForChallenge() && m_identity && !m_identity->cache()->find(m_strategy->cacheKey())) {
        callback({}, Error()); // no token yet: the server's challenge says where to get one
        return;
    }
    QPointer<ServerTokenProvider> self(this);
    obtain({}, [self, callback](const TokenPtr& t, const Error& e) {
        if (!self)
            return;
        if (e.isError() || !t) {
            callback({}, e.isError() ? e : Error(Error::Kind::Auth, tr("No token could be obtained.")));
            return;
        }
        Error refused = self->checkAudience(t);
        if (!refused.isError())
            refused = self->checkLifetime(t);
        if (refused.isError()) {
            callback({}, refused);
            return;
        }
        callback({ { QByteArrayLiteral("Authorization"), QByteArrayLiteral("Bearer ") + t->token.reveal() } }, Error());
    });
}

void ServerTokenProvider::handleChallenge(
    const AuthChallenge& challenge, std::function<void(bool, const Error&)> callback)
{
    const QString server = m_strategy->server().name;
    if (auto* oauth = qobject_cast<OAuthStrategy*>(m_strategy))
        oauth->setChallenge(challenge);
    QPointer<ServerTokenProvider> self(this);
    auto retryWith = [self, callback](const TokenStrategy::Need& need) {
        if (!self)
            return;
        self->m_lastForcedAtMs = QDateTime::currentMSecsSinceEpoch();
        self->obtain(need, [self, callback](const TokenPtr& t, const Error& e) {
            if (!self)
                return;
            if (e.isError() || !t) {
                callback(false, e);
                return;
            }
            callback(true, Error());
        });
    };
    LifecycleLog* log = m_identity ? m_identity->lifecycle() : nullptr;

    if (challenge.error == QLatin1String("insufficient_claims") && !challenge.claims.isEmpty()) {
        QByteArray decoded
            = QByteArray::fromBase64(challenge.claims.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
        const QString claims = decoded.isEmpty() ? challenge.claims : QString::fromUtf8(decoded);
        if (log)
            log->notice(server, m_strategy->name(),
                tr("The server asks for a stronger sign-in (claims challenge); signing "
                   "in again with the requested claims."));
        TokenStrategy::Need need;
        need.force = true;
        need.claims = claims;
        retryWith(need);
        return;
    }
    if (challenge.httpStatus == 403 && challenge.error == QLatin1String("insufficient_scope")) {
        const QStringList wanted = splitScopes(challenge.scope);
        if (m_stepUps >= m_maxStepUps) {
            callback(false,
                Error(Error::Kind::Auth,
                    tr("Server \"%1\" still refuses after %2 step-ups (it wants %3). Ask "
                       "its administrator for the permission.")
                        .arg(server)
                        .arg(m_stepUps)
                        .arg(challenge.scope.left(200))));
            return;
        }
        if (wanted.isEmpty() || !m_strategy->addScopes(wanted)) {
            callback(false,
                Error(Error::Kind::Auth,
                    tr("Server \"%1\" refused: the token lacks a permission (%2), and "
                       "this auth type cannot ask for more. Ask its administrator.")
                        .arg(server, challenge.scope.isEmpty() ? tr("not named") : challenge.scope.left(200))));
            return;
        }
        ++m_stepUps;
        if (log) {
            LifecycleEvent ev;
            ev.kind = LifecycleEvent::Kind::StepUp;
            ev.server = server;
            ev.strategy = m_strategy->name();
            ev.message = tr("Server asked for more permissions (%1); asking for %2.")
                             .arg(challenge.scope.left(200), m_strategy->currentScopes().join(QLatin1Char(' ')));
            log->add(ev);
        }
        TokenStrategy::Need need;
        need.force = true;
        retryWith(need);
        return;
    }
    if (challenge.httpStatus == 401) {
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (m_lastForcedAtMs >= 0 && now - m_lastForcedAtMs < 5000) {
            callback(false,
                Error(Error::Kind::Auth,
                    tr("Server \"%1\" refused a token Lanyard had just obtained for it. "
                       "Check the server's auth block (audience, scopes) or ask its "
                       "administrator whether your account may use it.")
                        .arg(server)));
            return;
        }
        const TokenPtr old = m_identity ? m_identity->cache()->find(m_strategy->cacheKey()) : nullptr;
        if (log && !old) {
            log->notice(
                server, m_strategy->name(), tr("The server asks for authorization (HTTP 401); getting a token."));
        } else if (log) {
            LifecycleEvent ev;
            ev.kind = LifecycleEvent::Kind::Expired;
            ev.server = server;
            ev.strategy = m_strategy->name();
            ev.fingerprint = old ? old->fingerprint() : QString();
            ev.message
                = tr("The server refused the token (HTTP 401%1); getting a new one once.")
                      .arg(challenge.error.isEmpty() ? QString() : QStringLiteral(", ") + challenge.error.left(40));
            log->add(ev);
        }
        m_strategy->forgetState();
        TokenStrategy::Need need;
        need.force = true;
        retryWith(need);
        return;
    }
    callback(false, Error());
}

// ---- KeychainBearerStrategy ----------------------------------------------------------------------

bool KeychainBearerStrategy::configure(Error* error)
{
    m_entry = m_server.auth.keychain;
    if (m_entry.isEmpty()) {
        *error = Error(Error::Kind::Config,
            tr("servers (\"%1\").auth needs \"keychain\" (the entry name) or \"env\".").arg(m_server.name));
        return false;
    }
    return true;
}

TokenKey KeychainBearerStrategy::cacheKey() const
{
    TokenKey k;
    k.issuer = QStringLiteral("keychain");
    k.subject = m_entry;
    k.audience = canonicalResource(m_server.url);
    return k;
}

void KeychainBearerStrategy::acquire(const Need& need, Done done)
{
    if (need.force) {
        done(nullptr,
            Error(Error::Kind::Auth,
                tr("Server \"%1\" refused the token from the keychain entry \"%2\". Replace "
                   "the token in the keychain.")
                    .arg(m_server.name, m_entry)));
        return;
    }
    CredentialStore* store = openKeychain();
    QPointer<KeychainBearerStrategy> self(this);
    store->read(m_entry, [self, store, done](const std::optional<QByteArray>& value, const Error& e) {
        store->deleteLater();
        if (!self)
            return;
        if (!value || value->isEmpty()) {
            done(nullptr,
                e.isError() ? e
                            : Error(Error::Kind::Auth,
                                tr("The keychain has no entry \"%1\" for server \"%2\". Add "
                                   "the token to the keychain under that name.")
                                    .arg(self->m_entry, self->m_server.name)));
            return;
        }
        auto t = makeIssuedToken(Secret(value->trimmed()), -1, self->m_identity ? self->m_identity->clock() : nullptr);
        t->strategy = QStringLiteral("bearer");
        t->obtainedBy = QStringLiteral("keychain");
        if (!t->expiresAt.isValid())
            t->expiresAt = QDateTime::currentDateTimeUtc().addYears(10);
        done(t, Error());
    });
}

// ---- Factory ---------------------------------------------------------------------------------------

TokenProvider* createTokenProvider(const ServerConfig& server, IdentityManager* identity, QObject* parent, Error* error)
{
    const QString type = server.auth.type;
    TokenStrategy* strategy = nullptr;
    if (type == QLatin1String("entra"))
        strategy = new EntraStrategy(server, identity);
    else if (type == QLatin1String("token-exchange"))
        strategy = new TokenExchangeStrategy(server, identity);
    else if (type == QLatin1String("oauth"))
        strategy = new OAuthStrategy(server, identity);
    else if (type == QLatin1String("cross-app-access"))
        strategy = new CrossAppAccessStrategy(server, identity);
    else if (type == QLatin1String("bearer"))
        strategy = new KeychainBearerStrategy(server, identity);
    else {
        *error = Error(Error::Kind::Config,
            QObject::tr("Server \"%1\": the auth type \"%2\" is not known.").arg(server.name, type));
        return nullptr;
    }
    if (!strategy->configure(error)) {
        delete strategy;
        return nullptr;
    }
    return new ServerTokenProvider(strategy, identity, parent);
}

} // namespace lanyard::auth
