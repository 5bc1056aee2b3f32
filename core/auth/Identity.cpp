// SPDX-License-Identifier: MIT
#include "auth/Identity.h"

#include "auth/CredentialStore.h"
#include "auth/HttpClient.h"
#include "auth/KeySets.h"
#include "auth/Lifecycle.h"
#include "auth/SignIn.h"
#include "auth/Strategies.h"
#include "auth/TokenEndpoint.h"
#include "crypto/Jwt.h"
#include "util/Clock.h"
#include "util/Logging.h"

#include <QDir>
#include <QRegularExpression>
#include <QStandardPaths>

#include <algorithm>

namespace lanyard::auth {

namespace {
const QStringList kOidcScopes
    = { QStringLiteral("openid"), QStringLiteral("profile"), QStringLiteral("offline_access") };

bool readStringList(const json& j, const char* key, QStringList* out, Error* error)
{
    auto it = j.find(key);
    if (it == j.end())
        return true;
    if (it->is_string()) {
        *out = splitScopes(QString::fromStdString(it->get<std::string>()));
        return true;
    }
    if (!it->is_array()) {
        *error
            = Error(Error::Kind::Config, QObject::tr("identity.%1 must be a list of strings").arg(QLatin1String(key)));
        return false;
    }
    out->clear();
    for (const auto& v : *it) {
        if (!v.is_string()) {
            *error = Error(
                Error::Kind::Config, QObject::tr("identity.%1 must be a list of strings").arg(QLatin1String(key)));
            return false;
        }
        out->append(QString::fromStdString(v.get<std::string>()));
    }
    return true;
}

int readInt(const json& j, const char* key, int fallback)
{
    auto it = j.find(key);
    if (it == j.end() || !it->is_number())
        return fallback;
    // Clamped first: converting a double outside int's range is undefined behaviour (fuzz finding).
    return static_cast<int>(std::clamp(it->get<double>(), -1.0e9, 1.0e9));
}
} // namespace

// ---- Settings ------------------------------------------------------------------------------------

std::optional<IdentitySettings> IdentitySettings::fromJson(const json& j, Error* error)
{
    IdentitySettings s;
    if (!j.is_object()) {
        *error = Error(Error::Kind::Config, QObject::tr("\"identity\" must be an object"));
        return std::nullopt;
    }
    s.authority = qs(j, "authority");
    s.clientId = qs(j, "clientId");
    if (!readStringList(j, "scopes", &s.signInScopes, error))
        return std::nullopt;
    s.loopback.host = qs(j, "redirectHost", s.loopback.host);
    s.loopback.path = qs(j, "redirectPath", s.loopback.path);
    const int port = readInt(j, "redirectPort", 0);
    if (port < 0 || port > 65535) {
        *error = Error(
            Error::Kind::Config, QObject::tr("identity.redirectPort must be 0 (any free port) or a port number"));
        return std::nullopt;
    }
    s.loopback.port = static_cast<quint16>(port);
    s.loopback.timeoutMs = std::clamp(readInt(j, "signInTimeoutSeconds", 300), -1000000, 1000000) * 1000;
    s.refreshLeadSecs = readInt(j, "refreshLeadSeconds", 60);
    s.clockSkewSecs = readInt(j, "clockSkewSeconds", 300);
    s.store = qs(j, "store", s.store);
    s.storeFile = qs(j, "storeFile");
    s.profile = qs(j, "profile", s.profile);
    s.loginHint = qs(j, "loginHint");
    s.prompt = qs(j, "prompt");
    if (auto it = j.find("assumeS256"); it != j.end() && it->is_boolean())
        s.assumeS256 = it->get<bool>();
    if (s.loopback.host != QLatin1String("127.0.0.1") && s.loopback.host != QLatin1String("localhost")) {
        *error = Error(Error::Kind::Config, QObject::tr("identity.redirectHost must be 127.0.0.1 or localhost"));
        return std::nullopt;
    }
    if (s.store != QLatin1String("keychain") && s.store != QLatin1String("memory")
        && s.store != QLatin1String("file")) {
        *error = Error(Error::Kind::Config, QObject::tr("identity.store must be \"keychain\", \"memory\" or \"file\""));
        return std::nullopt;
    }
    static const QRegularExpression profileRe(QStringLiteral("^[A-Za-z0-9._-]{1,64}$"));
    if (!profileRe.match(s.profile).hasMatch()) {
        *error = Error(
            Error::Kind::Config, QObject::tr("identity.profile may use letters, digits, '.', '_' and '-' only"));
        return std::nullopt;
    }
    if (!s.authority.isEmpty()) {
        QString why;
        if (!EntraAuthority::parse(s.authority, &why)) {
            *error = Error(Error::Kind::Config, QObject::tr("identity.authority: %1").arg(why));
            return std::nullopt;
        }
    }
    return s;
}

QString IdentitySettings::dataDirectory() const
{
    QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    if (base.isEmpty())
        base = QDir::homePath() + QStringLiteral("/.local/share");
    return base + QStringLiteral("/lanyard/") + profile;
}

// ---- Account -------------------------------------------------------------------------------------

QString Account::subjectKey() const
{
    if (!objectId.isEmpty())
        return tenantId + QLatin1Char('/') + objectId;
    return subject;
}

QByteArray Account::serialize() const
{
    json j { { "v", 1 }, { "issuer", ss(issuer) }, { "tenantId", ss(tenantId) }, { "objectId", ss(objectId) },
        { "subject", ss(subject) }, { "username", ss(username) }, { "name", ss(name) }, { "clientId", ss(clientId) },
        { "authority", ss(authority) }, { "signedInAt", signedInAt.toSecsSinceEpoch() },
        { "refresh_token", ss(refreshToken.revealString()) }, { "id_token", ss(idToken.revealString()) } };
    return dumpJson(j);
}

std::optional<Account> Account::deserialize(const QByteArray& bytes)
{
    const auto j = parseJson(bytes);
    if (!j || !j->is_object())
        return std::nullopt;
    Account a;
    a.issuer = qs(*j, "issuer");
    a.tenantId = qs(*j, "tenantId");
    a.objectId = qs(*j, "objectId");
    a.subject = qs(*j, "subject");
    a.username = qs(*j, "username");
    a.name = qs(*j, "name");
    a.clientId = qs(*j, "clientId");
    a.authority = qs(*j, "authority");
    a.signedInAt = QDateTime::fromSecsSinceEpoch(j->value("signedInAt", qint64(0)), Qt::UTC);
    a.refreshToken = Secret(qs(*j, "refresh_token"));
    a.idToken = Secret(qs(*j, "id_token"));
    if (auto decoded = crypto::decodeJwt(a.idToken.reveal()))
        a.idClaims = decoded->payload;
    return a;
}

// ---- IdentityManager ----------------------------------------------------------------------------

struct IdentityManager::RefreshJob
{
    QStringList scopes;
    QString claims;
    QString server;
    QString strategy;
    std::function<void(const TokenPtr&, const Error&, bool)> done;
};

IdentityManager::IdentityManager(QObject* parent)
    : QObject(parent)
    , m_clock(Clock::system())
    , m_http(new HttpClient(nullptr, this))
    , m_keys(new KeySetRegistry(m_http, m_clock, this))
    , m_lifecycle(new LifecycleLog(m_clock, this))
    , m_cache(m_clock)
    , m_launcher(browser::system())
{
}

IdentityManager::~IdentityManager() = default;

void IdentityManager::configure(const IdentitySettings& settings)
{
    const bool changed = settings.authority != m_settings.authority || settings.clientId != m_settings.clientId
        || settings.profile != m_settings.profile || settings.store != m_settings.store;
    m_settings = settings;
    m_cache.setRefreshLeadSecs(settings.refreshLeadSecs);
    if (changed) {
        ++m_generation;
        m_metadata.reset();
        m_account = Account();
        m_accountLoaded = false;
        m_cache.clear();
        if (m_store && m_store->parent() == this && settings.store != CredentialStore::kindName(m_store->kind())) {
            m_store->deleteLater();
            m_store = nullptr;
        }
    }
}

void IdentityManager::announceNotice(const QString& server, const QString& strategy, const QString& message)
{
    m_lifecycle->notice(server, strategy, message);
    emit noticeRaised(message);
}

void IdentityManager::setClock(const Clock* clock)
{
    m_clock = clock ? clock : Clock::system();
    m_cache = TokenCache(m_clock);
    m_cache.setRefreshLeadSecs(m_settings.refreshLeadSecs);
    delete m_keys;
    m_keys = new KeySetRegistry(m_http, m_clock, this);
    delete m_lifecycle;
    m_lifecycle = new LifecycleLog(m_clock, this);
}

void IdentityManager::setNetwork(QNetworkAccessManager* network)
{
    delete m_keys;
    delete m_http;
    m_http = new HttpClient(network, this);
    m_keys = new KeySetRegistry(m_http, m_clock, this);
}

void IdentityManager::setStore(CredentialStore* store)
{
    if (m_store && m_store->parent() == this)
        m_store->deleteLater();
    m_store = store;
    if (store) {
        store->setParent(this);
        connect(store, &CredentialStore::noticed, this, [this](const QString& message) {
            m_lifecycle->notice(QString(), QStringLiteral("storage"), message);
            emit noticeRaised(message);
        });
    }
    m_accountLoaded = false;
}

void IdentityManager::ensureStore()
{
    if (m_store)
        return;
    if (m_settings.store == QLatin1String("memory")) {
        setStore(new MemoryStore(this));
    } else if (m_settings.store == QLatin1String("file")) {
        const QString path = m_settings.storeFile.isEmpty()
            ? m_settings.dataDirectory() + QStringLiteral("/credentials.json")
            : m_settings.storeFile;
        auto* file = new FileStore(path, this);
        setStore(file);
        const QString message = tr("Refresh tokens are stored in %1, as the configuration asks (identity \"store\": "
                                   "\"file\"). Anyone who can read this file as you can use your sign-in.")
                                    .arg(file->describe());
        m_lifecycle->notice(QString(), QStringLiteral("storage"), message);
        emit noticeRaised(message);
    } else {
        setStore(new KeychainStore(QStringLiteral("lanyard"), this));
    }
}

CredentialStore* IdentityManager::store()
{
    ensureStore();
    return m_store;
}

QString IdentityManager::storeKey(const QString& what) const
{
    return m_settings.profile + QLatin1Char('/') + what;
}

void IdentityManager::registerStoreKey(const QString& key)
{
    if (!m_extraStoreKeys.contains(key))
        m_extraStoreKeys << key;
    // Remember it in the store too, so that a later run's sign-out finds it.
    ensureStore();
    QStringList keys = m_extraStoreKeys;
    m_store->read(
        storeKey(QStringLiteral("index")), [this, keys](const std::optional<QByteArray>& value, const Error&) {
            QStringList all
                = value ? QString::fromUtf8(*value).split(QLatin1Char('\n'), Qt::SkipEmptyParts) : QStringList();
            all = unionScopes(all, keys);
            m_store->write(
                storeKey(QStringLiteral("index")), all.join(QLatin1Char('\n')).toUtf8(), [](const Error&) {});
        });
}

QStringList IdentityManager::requestScopes(const QStringList& resourceScopes) const
{
    QStringList out = kOidcScopes;
    for (const QString& s : resourceScopes) {
        if (!out.contains(s))
            out << s;
    }
    return out;
}

TokenKey IdentityManager::keyFor(const QStringList& scopes) const
{
    TokenKey k;
    k.issuer = m_metadata ? m_metadata->issuer : m_settings.authority;
    k.clientId = m_settings.clientId;
    k.subject = m_account.subjectKey();
    const QStringList resources = scopeResources(scopes);
    k.audience = resources.isEmpty() ? QStringLiteral("graph") : resources.first();
    k.scopes = scopes;
    return k;
}

void IdentityManager::forgetIssuerMetadata(const QUrl& issuer)
{
    auto it = m_issuerMetadata.find(issuer.toString(QUrl::StripTrailingSlash));
    if (it != m_issuerMetadata.end() && !it->second.fetching)
        m_issuerMetadata.erase(it);
}

void IdentityManager::issuerMetadata(const QUrl& issuer, QObject* context,
    std::function<void(const std::optional<AuthServerMetadata>& metadata)> done)
{
    const QString key = issuer.toString(QUrl::StripTrailingSlash);
    IssuerMetadata& entry = m_issuerMetadata[key];
    if (entry.metadata && entry.fetched.secsTo(m_clock->now()) < kIssuerMetadataSecs) {
        done(entry.metadata);
        return;
    }
    entry.waiters.emplace_back(QPointer<QObject>(context), std::move(done));
    if (entry.fetching)
        return;
    entry.fetching = true;
    entry.metadata.reset();
    auto found = std::make_shared<std::optional<AuthServerMetadata>>();
    m_http->getFirst(
        authorizationServerMetadataUrls(issuer), {}, this,
        [found](const HttpResponse& r) {
            QString why;
            const auto j = r.ok() && r.status == 200 ? parseJson(r.body, &why) : std::nullopt;
            *found = j ? AuthServerMetadata::fromJson(*j, r.url, &why) : std::nullopt;
            return found->has_value();
        },
        [this, key, found](bool) {
            IssuerMetadata& e = m_issuerMetadata[key];
            e.fetching = false;
            e.metadata = *found;
            e.fetched = m_clock->now();
            auto waiters = std::move(e.waiters);
            e.waiters.clear();
            if (!e.metadata)
                m_issuerMetadata.erase(key); // not kept: ask again next time
            for (auto& [asker, callback] : waiters) {
                if (asker)
                    callback(*found);
            }
        });
}

void IdentityManager::metadata(QObject* context, std::function<void(const AuthServerMetadata&, const Error&)> done)
{
    QPointer<QObject> guard(context);
    auto guarded = [guard, done](const AuthServerMetadata& m, const Error& e) {
        if (guard)
            done(m, e);
    };
    if (!isConfigured()) {
        guarded({},
            Error(Error::Kind::Config,
                tr("No sign-in is configured. Add an \"identity\" block with \"authority\" and \"clientId\" to the "
                   "configuration (see docs/identity.md).")));
        return;
    }
    if (m_metadata) {
        guarded(*m_metadata, Error());
        return;
    }
    m_metadataWaiters.push_back(guarded);
    if (m_metadataFetching)
        return;
    QString why;
    const auto authority = EntraAuthority::parse(m_settings.authority, &why);
    if (!authority) {
        m_metadataFetching = false;
        auto waiters = std::move(m_metadataWaiters);
        m_metadataWaiters.clear();
        for (auto& w : waiters)
            w({}, Error(Error::Kind::Config, tr("identity.authority: %1").arg(why)));
        return;
    }
    m_metadataFetching = true;
    const QUrl url = authority->discoveryUrl();
    const int generation = m_generation;
    m_http->get(url, {}, this, [this, url, authority = *authority, generation](const HttpResponse& r) {
        if (generation != m_generation)
            return;
        m_metadataFetching = false;
        Error error;
        std::optional<AuthServerMetadata> md;
        if (!r.ok()) {
            error = r.error;
            error.message = tr("Cannot read the identity provider's configuration: %1").arg(r.error.message);
        } else if (r.status != 200) {
            const auto oauth = parseOAuthError(r.body);
            error = oauth ? describeOAuthError(*oauth, r.status, tr("Reading the identity provider's configuration"))
                          : Error(Error::Kind::Auth,
                              tr("The identity provider's configuration at %1 answered HTTP %2. Check "
                                 "identity.authority.")
                                  .arg(url.toString())
                                  .arg(r.status));
        } else {
            QString problem;
            const auto parsed = parseJson(r.body, &problem);
            md = parsed ? AuthServerMetadata::fromJson(*parsed, url, &problem) : std::nullopt;
            if (!md) {
                error = Error(Error::Kind::Protocol,
                    tr("The identity provider's configuration at %1 is not usable: %2. Check that identity.authority "
                       "names the identity provider (for Entra ID: https://login.microsoftonline.com/<tenant>); if "
                       "it does, the provider has a problem right now.")
                        .arg(url.toString(), problem));
            } else {
                // The issuer must belong to the authority asked (Entra: the tenant, or the {tenantid} template).
                const QString base = authority.base.toString(QUrl::StripTrailingSlash);
                static const QRegularExpression shape(QStringLiteral("^(.*)/([^/]+)/v2\\.0/?$"));
                const auto m = shape.match(md->issuer);
                bool ok = m.hasMatch() && m.captured(1) == base;
                if (ok) {
                    const QString t = m.captured(2);
                    if (authority.kind == EntraAuthority::TenantKind::Guid)
                        ok = t.compare(authority.tenant, Qt::CaseInsensitive) == 0;
                    else if (authority.isMultiTenant())
                        ok = t == QLatin1String("{tenantid}") || isGuid(t)
                            || t == QLatin1String("9188040d-6c67-4c5b-b112-36a304b66dad");
                    else
                        ok = isGuid(t);
                }
                if (!ok && !issuerMatches(md->issuer, authority.authorityUrl())) {
                    error = Error(Error::Kind::Auth,
                        tr("The identity provider's configuration names the issuer %1, which does not belong to "
                           "the authority %2. Lanyard does not sign in there; check identity.authority.")
                            .arg(md->issuer.left(200), m_settings.authority));
                    md.reset();
                }
            }
            if (md && !md->codeChallengeMethodsGiven) {
                if (!m_settings.assumeS256) {
                    error = Error(Error::Kind::Auth,
                        tr("The identity provider does not say that it supports PKCE (no "
                           "code_challenge_methods_supported), and identity.assumeS256 is false, so Lanyard "
                           "does not sign in."));
                    md.reset();
                } else if (!m_pkceNoticeGiven) {
                    m_pkceNoticeGiven = true;
                    const QString notice = tr("The identity provider's metadata does not list PKCE methods "
                                              "(code_challenge_methods_supported is absent, as always with Entra ID). "
                                              "Lanyard assumed S256 and uses it.");
                    m_lifecycle->notice(QString(), QStringLiteral("sign-in"), notice);
                    emit noticeRaised(notice);
                }
            } else if (md && !md->listsS256()) {
                error = Error(Error::Kind::Auth,
                    tr("The identity provider does not support PKCE with S256, which Lanyard "
                       "requires."));
                md.reset();
            }
        }
        if (md)
            m_metadata = md;
        auto waiters = std::move(m_metadataWaiters);
        m_metadataWaiters.clear();
        for (auto& w : waiters)
            w(md ? *md : AuthServerMetadata(), error);
    });
}

void IdentityManager::loadAccount(QObject* context, DoneCallback done)
{
    QPointer<QObject> guard(context);
    auto guarded = [guard, done](const Error& e) {
        if (guard)
            done(e);
    };
    if (m_accountLoaded) {
        guarded(Error());
        return;
    }
    m_loadWaiters.push_back(guarded);
    if (m_loading)
        return;
    m_loading = true;
    ensureStore();
    const int generation = m_generation;
    m_store->read(storeKey(QStringLiteral("account")),
        [this, generation](const std::optional<QByteArray>& value, const Error& error) {
            if (generation != m_generation)
                return;
            m_loading = false;
            m_accountLoaded = true;
            if (value) {
                if (auto a = Account::deserialize(*value);
                    a && a->clientId == m_settings.clientId && a->authority == m_settings.authority) {
                    m_account = *a;
                    qCInfo(lcAuth).noquote() << "signed-in account loaded from" << m_store->describe();
                }
            }
            auto waiters = std::move(m_loadWaiters);
            m_loadWaiters.clear();
            for (auto& w : waiters)
                w(error);
        });
}

void IdentityManager::saveAccount(DoneCallback done)
{
    ensureStore();
    if (m_account.refreshToken.isEmpty() && m_account.idToken.isEmpty()) {
        m_store->remove(storeKey(QStringLiteral("account")), std::move(done));
        return;
    }
    m_store->write(storeKey(QStringLiteral("account")), m_account.serialize(), std::move(done));
}

void IdentityManager::validateIdToken(
    const QByteArray& token, bool checkLifetime, std::function<void(const json&, const Error&, bool)> done)
{
    metadata(this, [this, token, checkLifetime, done](const AuthServerMetadata& md, const Error& error) {
        if (error.isError()) {
            done({}, error, false);
            return;
        }
        crypto::VerifyOptions vo;
        vo.algorithms = { QStringLiteral("RS256"), QStringLiteral("ES256"), QStringLiteral("PS256") };
        vo.issuers = { md.issuer };
        vo.audiences = { m_settings.clientId };
        vo.leewaySecs = m_settings.clockSkewSecs;
        vo.clock = m_clock;
        vo.validateLifetime = checkLifetime;
        vo.requiredClaims = { QStringLiteral("sub") };
        m_keys->verify(md.jwksUri, token, vo, this, [done](const crypto::VerifyResult& r, const Error& e) {
            if (e.isError()) {
                done({}, e, false);
                return;
            }
            if (!r.ok) {
                done(r.claims,
                    Error(Error::Kind::Auth, tr("The ID token did not pass Lanyard's checks: %1").arg(r.message)),
                    r.failure == crypto::VerifyFailure::Expired);
                return;
            }
            done(r.claims, Error(), false);
        });
    });
}

void IdentityManager::adoptSignIn(const SignInResult& result, const QString& server)
{
    const json& c = result.idClaims;
    Account a;
    a.issuer = qs(c, "iss");
    a.tenantId = qs(c, "tid");
    a.objectId = qs(c, "oid");
    a.subject = qs(c, "sub");
    a.username = qs(c, "preferred_username", qs(c, "upn", qs(c, "email")));
    a.name = qs(c, "name");
    a.clientId = m_settings.clientId;
    a.authority = m_settings.authority;
    a.idClaims = c;
    a.idToken = result.tokens.idToken;
    a.refreshToken = result.tokens.refreshToken;
    a.signedInAt = m_clock->now();
    if (m_account.subjectKey() != a.subjectKey())
        m_cache.clear(); // another person: nothing cached belongs to them
    m_account = a;
    m_accountLoaded = true;
    saveAccount([this](const Error& e) {
        if (e.isError()) {
            m_lifecycle->notice(QString(), QStringLiteral("storage"),
                tr("The sign-in could not be stored (%1); it lasts until Lanyard exits.").arg(e.message));
        }
    });

    auto token = makeIssuedToken(result.tokens.accessToken, result.tokens.expiresIn, m_clock);
    token->scopes = result.grantedScopes;
    token->issuer = a.issuer;
    token->strategy = QStringLiteral("entra");
    token->obtainedBy = QStringLiteral("sign-in");
    const QStringList resourceScopes = [&] {
        QStringList out;
        for (const QString& s : result.requestedScopes) {
            if (!isOidcScope(s))
                out << s;
        }
        return out;
    }();
    token->audience = keyFor(resourceScopes).audience;
    m_cache.put(keyFor(resourceScopes), token);

    LifecycleEvent e;
    e.kind = LifecycleEvent::Kind::SignedIn;
    e.server = server;
    e.strategy = QStringLiteral("sign-in");
    e.fingerprint = token->fingerprint();
    e.message = tr("Signed in as %1 (%2) at %3").arg(a.username, a.name, QUrl(a.issuer).host());
    e.claims = json::object();
    for (const char* k : { "iss", "aud", "sub", "oid", "tid", "name", "preferred_username", "exp", "iat", "ver" }) {
        if (c.contains(k))
            e.claims[k] = c[k];
    }
    e.exchanges = { result.tokenExchange };
    m_lifecycle->add(e);
    m_lifecycle->addToken(LifecycleEvent::Kind::TokenIssued, server, *token,
        tr("Access token for %1 issued at sign-in").arg(token->audience));
    emit signedIn(a.username);
}

void IdentityManager::finishSignIn(const Error& error)
{
    m_signIn = nullptr;
    m_signInActive = false;
    auto waiters = std::move(m_signInWaiters);
    m_signInWaiters.clear();
    for (auto& w : waiters)
        w(error);
}

void IdentityManager::signIn(const SignInRequest& request, QObject* context, DoneCallback done)
{
    QPointer<QObject> guard(context);
    auto guarded = [guard, done](const Error& e) {
        if (guard)
            done(e);
    };
    if (m_signInActive) {
        guarded(
            Error(Error::Kind::Auth, tr("A sign-in is already waiting in the browser. Finish or cancel it first.")));
        return;
    }
    m_signInActive = true;
    const int attempt = ++m_signInAttempt;
    m_signInWaiters.push_back(guarded);
    metadata(this, [this, request, attempt](const AuthServerMetadata& md, const Error& error) {
        if (attempt != m_signInAttempt || !m_signInActive)
            return; // cancelled meanwhile
        if (error.isError()) {
            finishSignIn(error);
            return;
        }
        SignInOptions o;
        o.metadata = md;
        o.client.clientId = m_settings.clientId;
        o.client.method = ClientAuthMethod::None;
        const QStringList resourceScopes = request.scopes.isEmpty() ? m_settings.signInScopes : request.scopes;
        o.scopes = requestScopes(resourceScopes);
        o.entra = true;
        o.expectIdToken = true;
        o.claims = request.claims;
        o.loginHint = m_account.username.isEmpty() ? m_settings.loginHint : m_account.username;
        o.prompt = request.prompt.isEmpty() ? m_settings.prompt : request.prompt;
        o.loopback = m_settings.loopback;
        o.leewaySecs = m_settings.clockSkewSecs;
        auto* s = new AuthorizationCodeSignIn(o, m_http, m_keys, m_clock, this);
        m_signIn = s;
        s->setBrowserLauncher(m_launcher);
        connect(s, &AuthorizationCodeSignIn::authorizationUrlReady, this, &IdentityManager::signInStarted);
        connect(s, &AuthorizationCodeSignIn::browserFailed, this, &IdentityManager::browserFailed);
        const QString server = request.server;
        connect(s, &AuthorizationCodeSignIn::succeeded, this, [this, s, server](const SignInResult& r) {
            s->deleteLater();
            if (m_signIn != s)
                return;
            adoptSignIn(r, server);
            finishSignIn(Error());
        });
        connect(s, &AuthorizationCodeSignIn::failed, this, [this, s, server](const Error& e) {
            s->deleteLater();
            if (m_signIn != s)
                return;
            LifecycleEvent ev;
            ev.kind = LifecycleEvent::Kind::Failed;
            ev.server = server;
            ev.strategy = QStringLiteral("sign-in");
            ev.message = e.message;
            m_lifecycle->add(ev);
            finishSignIn(e);
        });
        s->start();
    });
}

void IdentityManager::cancelSignIn()
{
    if (!m_signInActive)
        return;
    if (m_signIn) {
        m_signIn->cancel(); // reports through failed()
        return;
    }
    ++m_signInAttempt;
    finishSignIn(Error(Error::Kind::Cancelled, tr("Signing in was cancelled.")));
}

void IdentityManager::signOut(QObject* context, DoneCallback done)
{
    QPointer<QObject> guard(context);
    cancelSignIn();
    ensureStore();
    loadAccount(this, [this, guard, done](const Error&) {
        const Secret refresh = m_account.refreshToken;
        const QString who = m_account.username;
        auto finish = [this, guard, done, who](bool revoked) {
            QStringList keys = m_extraStoreKeys;
            keys << storeKey(QStringLiteral("account"));
            m_store->read(storeKey(QStringLiteral("index")),
                [this, keys, guard, done, who, revoked](const std::optional<QByteArray>& index, const Error&) {
                    QStringList all = keys;
                    if (index)
                        all = unionScopes(all, QString::fromUtf8(*index).split(QLatin1Char('\n'), Qt::SkipEmptyParts));
                    all << storeKey(QStringLiteral("index"));
                    revokeServerTokens(all, [this, all, guard, done, who, revoked] {
                        auto remaining = std::make_shared<int>(static_cast<int>(all.size()));
                        auto firstError = std::make_shared<Error>();
                        for (const QString& k : all) {
                            m_store->remove(
                                k, [this, remaining, firstError, guard, done, who, revoked](const Error& e) {
                                    if (e.isError() && !firstError->isError())
                                        *firstError = e;
                                    if (--*remaining > 0)
                                        return;
                                    m_account = Account();
                                    m_accountLoaded = true;
                                    m_cache.clear();
                                    m_extraStoreKeys.clear();
                                    LifecycleEvent ev;
                                    ev.kind = LifecycleEvent::Kind::SignedOut;
                                    ev.strategy = QStringLiteral("sign-in");
                                    ev.message = who.isEmpty()
                                        ? tr("Signed out; stored sign-ins and cached tokens removed.")
                                        : tr("Signed out %1%2; stored sign-ins and cached tokens removed.")
                                              .arg(who, revoked ? tr(" (refresh token revoked)") : QString());
                                    m_lifecycle->add(ev);
                                    emit signedOut();
                                    if (guard)
                                        done(*firstError);
                                });
                        }
                    });
                });
        };
        if (refresh.isEmpty() || !isConfigured()) {
            finish(false);
            return;
        }
        // The discovery document says where to revoke (read now when this process has not yet).
        metadata(this, [this, refresh, finish](const AuthServerMetadata& md, const Error& error) {
            if (error.isError() || !md.revocationEndpoint.isValid()) {
                // Entra ID offers no revocation endpoint for a public client's refresh token; it ends
                // when unused (or by an administrator). Forgetting it is what Lanyard can do.
                finish(false);
                return;
            }
            FormFields form { { QStringLiteral("token"), refresh.revealString() },
                { QStringLiteral("token_type_hint"), QStringLiteral("refresh_token") },
                { QStringLiteral("client_id"), m_settings.clientId } };
            m_http->postForm(md.revocationEndpoint, form, {}, this, [this, finish](const HttpResponse& r) {
                const bool ok = r.ok() && r.status == 200;
                if (ok) {
                    LifecycleEvent ev;
                    ev.kind = LifecycleEvent::Kind::Revoked;
                    ev.strategy = QStringLiteral("sign-in");
                    ev.message = tr("Refresh token revoked at the identity provider.");
                    ev.exchanges = { r.exchange };
                    m_lifecycle->add(ev);
                }
                finish(ok);
            });
        });
    });
}

void IdentityManager::revokeServerTokens(const QStringList& keys, std::function<void()> then)
{
    // Per-server refresh tokens of the oauth strategy: revoked at their authorization servers
    // (RFC 7009) where those offer it. A refusal never stops the sign-out; the lifecycle says so.
    const QString prefix = storeKey(OAuthStrategy::storePrefix());
    QStringList serverKeys;
    for (const QString& k : keys) {
        if (k.startsWith(prefix))
            serverKeys << k;
    }
    if (serverKeys.isEmpty()) {
        then();
        return;
    }
    auto remaining = std::make_shared<int>(static_cast<int>(serverKeys.size()));
    for (const QString& k : serverKeys) {
        OAuthStrategy::revokeStoredToken(this, k, this,
            [this, remaining, then](
                bool revoked, const QString& server, const QString& problem, const HttpExchange& exchange) {
                LifecycleEvent ev;
                ev.server = server;
                ev.strategy = QStringLiteral("oauth");
                if (!exchange.url.isEmpty())
                    ev.exchanges = { exchange };
                if (revoked) {
                    ev.kind = LifecycleEvent::Kind::Revoked;
                    ev.message = tr("Refresh token of server \"%1\" revoked at its authorization server.").arg(server);
                    m_lifecycle->add(ev);
                } else if (!server.isEmpty()) {
                    ev.kind = LifecycleEvent::Kind::Notice;
                    ev.message = tr(
                        "The refresh token of server \"%1\" was not revoked (%2); it is removed from this computer.")
                                     .arg(server, problem);
                    m_lifecycle->add(ev);
                }
                if (--*remaining == 0)
                    then();
            });
    }
}

void IdentityManager::runRefresh(const QStringList& scopes, const QString& claims, const QString& server,
    const QString& strategy, std::function<void(const TokenPtr&, const Error&, bool)> done)
{
    auto job = std::make_shared<RefreshJob>();
    job->scopes = scopes;
    job->claims = claims;
    job->server = server;
    job->strategy = strategy;
    job->done = std::move(done);
    m_refreshQueue.push_back(job);
    pumpRefreshQueue();
}

void IdentityManager::pumpRefreshQueue()
{
    // One refresh at a time: each answer may rotate the refresh token, and the next request must
    // use the newest one.
    if (m_refreshing || m_refreshQueue.empty())
        return;
    m_refreshing = true;
    std::shared_ptr<RefreshJob> job = m_refreshQueue.front();
    m_refreshQueue.erase(m_refreshQueue.begin());
    const int generation = m_generation;
    auto next = [this, generation] {
        if (generation != m_generation)
            return;
        m_refreshing = false;
        pumpRefreshQueue();
    };
    metadata(this, [this, job, next, generation](const AuthServerMetadata& md, const Error& error) {
        if (generation != m_generation)
            return;
        if (error.isError()) {
            job->done(nullptr, error, false);
            next();
            return;
        }
        if (m_account.refreshToken.isEmpty()) {
            job->done(nullptr,
                Error(Error::Kind::Auth,
                    tr("You are not signed in. Run \"lanyard-cli login\" (or sign in in the "
                       "app) first.")),
                true);
            next();
            return;
        }
        // Lanyard's own refresh (not QOAuth2AuthorizationCodeFlow::refreshAccessToken, which in Qt
        // 6.4 sends a bare client_secret and redirect_uri, no scope, and hangs on errors).
        FormFields form { { QStringLiteral("grant_type"), QStringLiteral("refresh_token") },
            { QStringLiteral("refresh_token"), m_account.refreshToken.revealString() },
            { QStringLiteral("scope"), joinScopes(requestScopes(job->scopes)) } };
        if (!job->claims.isEmpty())
            form.append({ QStringLiteral("claims"), job->claims });
        ClientCredentials client;
        client.clientId = m_settings.clientId;
        const QString what = job->server.isEmpty() ? tr("Refreshing the sign-in")
                                                   : tr("Getting a token for server \"%1\"").arg(job->server);
        requestToken(m_http, md.tokenEndpoint, form, client, what, m_clock, this,
            [this, job, next, generation](const TokenResult& r) {
                if (generation != m_generation)
                    return;
                if (!r.ok()) {
                    bool interactionHelps = r.oauthError && meansInteractionRequired(*r.oauthError);
                    if (r.oauthError && meansSignInAgain(*r.oauthError)) {
                        LifecycleEvent ev;
                        const bool revoked = r.oauthError->aadstsCodes.contains(50173);
                        ev.kind = revoked ? LifecycleEvent::Kind::Revoked : LifecycleEvent::Kind::Expired;
                        ev.server = job->server;
                        ev.strategy = QStringLiteral("sign-in");
                        ev.message = revoked ? tr("The sign-in was revoked; signing in again is needed.")
                                             : tr("The saved sign-in expired; signing in again is needed.");
                        ev.exchanges = { r.exchange };
                        m_lifecycle->add(ev);
                        m_account.refreshToken.wipe();
                        saveAccount([](const Error&) {});
                        interactionHelps = true;
                    }
                    job->done(nullptr, r.error, interactionHelps);
                    next();
                    return;
                }
                const TokenResponse& t = *r.response;
                if (!t.refreshToken.isEmpty() && t.refreshToken != m_account.refreshToken) {
                    m_account.refreshToken = t.refreshToken;
                }
                if (!t.idToken.isEmpty())
                    m_account.idToken = t.idToken;
                saveAccount([](const Error&) {});
                auto token = makeIssuedToken(t.accessToken, t.expiresIn, m_clock);
                token->scopes = t.scopeGiven ? splitScopes(t.scope) : job->scopes;
                token->issuer = m_account.issuer;
                token->strategy = job->strategy;
                token->obtainedBy = QStringLiteral("refresh");
                token->audience = keyFor(job->scopes).audience;
                m_lifecycle->addToken(LifecycleEvent::Kind::Refreshed, job->server, *token,
                    tr("Entra token for %1 obtained with the refresh token").arg(token->audience), { r.exchange });
                job->done(token, Error(), false);
                next();
            });
    });
}

void IdentityManager::entraToken(const EntraTokenRequest& request, QObject* context, TokenCallback done)
{
    QPointer<QObject> guard(context);
    auto guarded = [guard, done](const TokenPtr& t, const Error& e) {
        if (guard)
            done(t, e);
    };
    const QStringList resources = scopeResources(request.scopes);
    if (resources.size() > 1) {
        guarded(nullptr,
            Error(Error::Kind::Config,
                tr("Server \"%1\" asks for scopes of %2 resources (%3), but Entra ID issues a token for one "
                   "resource at a time (AADSTS700022). Give the server scopes of one resource.")
                    .arg(request.server)
                    .arg(resources.size())
                    .arg(resources.join(QStringLiteral(", ")))));
        return;
    }
    loadAccount(this, [this, request, guarded](const Error& loadError) {
        if (loadError.isError() && !m_account.isSignedIn()) {
            qCInfo(lcAuth).noquote() << "store:" << loadError.message;
        }
        metadata(this, [this, request, guarded](const AuthServerMetadata&, const Error& mdError) {
            if (mdError.isError()) {
                guarded(nullptr, mdError);
                return;
            }
            const TokenKey key = keyFor(request.scopes);
            if (!request.forceRefresh && request.claims.isEmpty()) {
                if (TokenPtr t = m_cache.findFresh(key)) {
                    guarded(t, Error());
                    return;
                }
            }
            if (!m_cache.join(key, guarded))
                return;
            auto complete = [this, key](const TokenPtr& t, const Error& e) { m_cache.complete(key, t, e); };
            auto interactive = [this, request, key, complete](const Error& why) {
                if (!request.allowInteractive || !m_interactive) {
                    Error e = why;
                    if (!e.isError())
                        e = Error(Error::Kind::Auth,
                            tr("You are not signed in. Sign in first: the account button in Lanyard, or "
                               "\"lanyard-cli login\"."));
                    complete(nullptr, e);
                    return;
                }
                SignInRequest sr;
                sr.scopes = request.scopes;
                sr.claims = request.claims;
                sr.server = request.server;
                if (!request.claims.isEmpty())
                    sr.prompt = QString(); // the claims request itself makes Entra ask again
                auto afterSignIn = [this, key, complete, request](const Error& e) {
                    if (e.isError()) {
                        complete(nullptr, e);
                        return;
                    }
                    TokenPtr t = m_cache.find(keyFor(request.scopes));
                    if (!t) {
                        complete(nullptr,
                            Error(Error::Kind::Auth,
                                tr("The sign-in returned no token for %1.")
                                    .arg(request.scopes.join(QLatin1Char(' ')))));
                        return;
                    }
                    complete(t, Error());
                };
                if (m_signInActive) {
                    // A sign-in is already running (maybe for another server): wait for it, then refresh.
                    m_signInWaiters.push_back([this, request, complete](const Error& e) {
                        if (e.isError()) {
                            complete(nullptr, e);
                            return;
                        }
                        runRefresh(request.scopes, QString(), request.server, request.strategy,
                            [complete](const TokenPtr& t, const Error& re, bool) { complete(t, re); });
                    });
                    return;
                }
                signIn(sr, this, afterSignIn);
            };
            if (m_account.refreshToken.isEmpty()) {
                interactive(Error());
                return;
            }
            runRefresh(request.scopes, request.claims, request.server, request.strategy,
                [complete, interactive](const TokenPtr& t, const Error& e, bool interactionHelps) {
                    if (t) {
                        complete(t, Error());
                        return;
                    }
                    if (interactionHelps) {
                        interactive(e);
                        return;
                    }
                    complete(nullptr, e);
                });
        });
    });
}

void IdentityManager::idToken(const QString& server, QObject* context, TokenCallback done)
{
    QPointer<QObject> guard(context);
    auto guarded = [guard, done](const TokenPtr& t, const Error& e) {
        if (guard)
            done(t, e);
    };
    auto fromAccount = [this]() -> TokenPtr {
        if (m_account.idToken.isEmpty())
            return nullptr;
        auto t = makeIssuedToken(m_account.idToken, -1, m_clock);
        t->strategy = QStringLiteral("sign-in");
        t->obtainedBy = QStringLiteral("id-token");
        t->issuer = m_account.issuer;
        t->audience = m_settings.clientId;
        return t;
    };
    loadAccount(this, [this, server, guarded, fromAccount](const Error&) {
        TokenPtr t = fromAccount();
        if (t && m_cache.isFresh(t)) {
            guarded(t, Error());
            return;
        }
        // Expired (or none): a refresh with the OpenID scopes brings a new ID token.
        EntraTokenRequest r;
        r.scopes = {};
        r.server = server;
        r.forceRefresh = true;
        r.strategy = QStringLiteral("sign-in");
        entraToken(r, this, [guarded, fromAccount](const TokenPtr&, const Error& e) {
            if (e.isError()) {
                guarded(nullptr, e);
                return;
            }
            TokenPtr fresh = fromAccount();
            if (!fresh)
                guarded(nullptr, Error(Error::Kind::Auth, QObject::tr("The identity provider returned no ID token.")));
            else
                guarded(fresh, Error());
        });
    });
}

void IdentityManager::whoami(QObject* context, std::function<void(const json&, const Error&)> done)
{
    QPointer<QObject> guard(context);
    auto guarded = [guard, done](const json& c, const Error& e) {
        if (guard)
            done(c, e);
    };
    loadAccount(this, [this, guarded](const Error& loadError) {
        if (!m_account.isSignedIn()) {
            guarded({},
                loadError.isError() ? loadError
                                    : Error(Error::Kind::Auth, tr("Not signed in. Run \"lanyard-cli login\".")));
            return;
        }
        validateIdToken(
            m_account.idToken.reveal(), true, [this, guarded](const json& claims, const Error& e, bool expired) {
                if (!e.isError()) {
                    guarded(claims, Error());
                    return;
                }
                if (!expired) {
                    guarded({}, e);
                    return;
                }
                idToken(QString(), this, [this, guarded](const TokenPtr& t, const Error& ie) {
                    if (ie.isError() || !t) {
                        guarded({}, ie);
                        return;
                    }
                    validateIdToken(
                        t->token.reveal(), true, [guarded](const json& c, const Error& ve, bool) { guarded(c, ve); });
                });
            });
    });
}

} // namespace lanyard::auth
