// SPDX-License-Identifier: MIT
#include "sts/JwtValidator.h"

#include "sts/RemoteKeySet.h"
#include "util/Logging.h"

#include <QPointer>

namespace lanyard::lab {

namespace {

QString quoted(QString value)
{
    value.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    value.replace(QLatin1Char('"'), QLatin1String("\\\""));
    value.replace(QLatin1Char('\r'), QLatin1Char(' '));
    value.replace(QLatin1Char('\n'), QLatin1Char(' '));
    return QLatin1Char('"') + value + QLatin1Char('"');
}

QStringList scopesOf(const json& claims)
{
    QString text = qs(claims, "scp");
    if (text.isEmpty())
        text = qs(claims, "scope");
    return text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
}

QStringList stringsOf(const json& claims, const char* name)
{
    QStringList out;
    auto it = claims.find(name);
    if (it == claims.end())
        return out;
    if (it->is_string())
        out.append(QString::fromStdString(it->get<std::string>()));
    else if (it->is_array()) {
        for (const json& v : *it) {
            if (v.is_string())
                out.append(QString::fromStdString(v.get<std::string>()));
        }
    }
    return out;
}

} // namespace

JwtValidator::JwtValidator(JwtValidatorConfig config, QObject* parent)
    : QObject(parent)
    , m_config(std::move(config))
    , m_keys(new RemoteKeySet(m_config.jwksUrl, m_config.minRefetchIntervalSecs, m_config.clock, this))
{
}

JwtValidator::~JwtValidator() = default;

QByteArray JwtValidator::bearerChallenge(const QString& realm, const QString& error, const QString& description,
    const QString& scope, const QString& resourceMetadata)
{
    QStringList parts;
    if (!realm.isEmpty())
        parts.append(QStringLiteral("realm=") + quoted(realm));
    if (!error.isEmpty())
        parts.append(QStringLiteral("error=") + quoted(error));
    if (!description.isEmpty())
        parts.append(QStringLiteral("error_description=") + quoted(description));
    if (!scope.isEmpty())
        parts.append(QStringLiteral("scope=") + quoted(scope));
    if (!resourceMetadata.isEmpty())
        parts.append(QStringLiteral("resource_metadata=") + quoted(resourceMetadata));
    return (
        QStringLiteral("Bearer") + (parts.isEmpty() ? QString() : QLatin1Char(' ') + parts.join(QStringLiteral(", "))))
        .toUtf8();
}

QByteArray JwtValidator::insufficientClaimsChallenge(
    const json& claimsRequest, const QString& description, const QString& realm, const QString& resourceMetadata)
{
    QStringList parts;
    parts.append(QStringLiteral("realm=") + quoted(realm));
    parts.append(QStringLiteral("error=\"insufficient_claims\""));
    if (!description.isEmpty())
        parts.append(QStringLiteral("error_description=") + quoted(description));
    parts.append(QStringLiteral("claims=\"%1\"").arg(QString::fromLatin1(dumpJson(claimsRequest).toBase64())));
    if (!resourceMetadata.isEmpty())
        parts.append(QStringLiteral("resource_metadata=") + quoted(resourceMetadata));
    return (QStringLiteral("Bearer ") + parts.join(QStringLiteral(", "))).toUtf8();
}

json JwtValidator::acrsClaimsRequest(const QString& acrs)
{
    return json { { "access_token", { { "acrs", { { "essential", true }, { "value", ss(acrs) } } } } } };
}

void JwtValidator::sendChallenge(const ResponderPtr& responder, const JwtValidation& result)
{
    json body = json::object();
    body["error"] = ss(result.error.isEmpty() ? QStringLiteral("invalid_request") : result.error);
    body["error_description"] = ss(result.errorDescription);
    responder->send(result.status, dumpJson(body), "application/json; charset=utf-8",
        { { "WWW-Authenticate", result.wwwAuthenticate }, { "Cache-Control", "no-store" } });
}

JwtValidation JwtValidator::failure(
    int status, const QString& error, const QString& description, const QString& scope) const
{
    JwtValidation r;
    r.ok = false;
    r.status = status;
    r.error = error;
    r.errorDescription = description;
    r.wwwAuthenticate = bearerChallenge(m_config.realm, error, description, scope, m_config.resourceMetadataUrl);
    return r;
}

std::optional<JwtValidation> JwtValidator::parseAuthorization(
    const QByteArray& authorizationHeader, QByteArray* token) const
{
    const QByteArray header = authorizationHeader.trimmed();
    if (header.isEmpty()) {
        // RFC 6750 §3.1: no credentials, no error code; say where to find out how to get a token.
        JwtValidation r = failure(401, QString(), QStringLiteral("This server needs a bearer token."));
        r.wwwAuthenticate = bearerChallenge(m_config.realm, {}, {}, {}, m_config.resourceMetadataUrl);
        return r;
    }
    const qsizetype space = header.indexOf(' ');
    if (space <= 0 || header.left(space).compare("Bearer", Qt::CaseInsensitive) != 0)
        return failure(401, QStringLiteral("invalid_request"),
            QStringLiteral("The Authorization header must use the Bearer scheme."));
    *token = header.mid(space + 1).trimmed();
    if (token->isEmpty() || token->contains(' '))
        return failure(401, QStringLiteral("invalid_request"),
            QStringLiteral("The Authorization header holds no single bearer token."));
    return std::nullopt;
}

crypto::VerifyOptions JwtValidator::verifyOptions() const
{
    crypto::VerifyOptions options;
    options.algorithms = m_config.algorithms;
    options.issuers = m_config.issuer.isEmpty() ? QStringList() : QStringList { m_config.issuer };
    options.audiences = m_config.audiences;
    options.leewaySecs = m_config.leewaySecs;
    options.clock = m_config.clock;
    return options;
}

void JwtValidator::validate(
    const QByteArray& authorizationHeader, QObject* context, Callback done, const QStringList& requiredScopes)
{
    QByteArray token;
    if (auto refused = parseAuthorization(authorizationHeader, &token)) {
        done(*refused);
        return;
    }
    validateToken(token, context, std::move(done), requiredScopes);
}

void JwtValidator::validateToken(
    const QByteArray& token, QObject* context, Callback done, const QStringList& requiredScopes)
{
    QPointer<JwtValidator> self(this);
    m_keys->verify(token, verifyOptions(), context, [self, done, requiredScopes](const crypto::VerifyResult& verified) {
        if (!self)
            return;
        done(self->finish(verified, requiredScopes));
    });
}

JwtValidation JwtValidator::validateCached(const QByteArray& authorizationHeader, const QStringList& requiredScopes)
{
    QByteArray token;
    if (auto refused = parseAuthorization(authorizationHeader, &token))
        return *refused;
    if (!m_keys->hasKeys()) {
        prefetchKeys();
        return failure(401, QStringLiteral("invalid_token"),
            QStringLiteral("The server is still fetching the issuer's signing keys; try again in a moment."));
    }
    const crypto::VerifyResult verified = crypto::verifyJwt(token, m_keys->cachedKeys(), verifyOptions());
    if (!verified.ok && verified.failure == crypto::VerifyFailure::UnknownKid)
        m_keys->keys(true, this, [](const crypto::Jwks*, const QString&) {});
    return finish(verified, requiredScopes);
}

void JwtValidator::prefetchKeys()
{
    m_keys->keys(false, this, [](const crypto::Jwks*, const QString&) {});
}

JwtValidation JwtValidator::finish(const crypto::VerifyResult& verified, const QStringList& requiredScopes) const
{
    if (!verified.ok) {
        JwtValidation r = failure(401, QStringLiteral("invalid_token"), verified.message);
        r.failure = verified.failure;
        qCInfo(lcLab).noquote() << "validator: refused a token:" << crypto::verifyFailureName(verified.failure);
        return r;
    }
    const json& claims = verified.claims;
    if (m_config.issuer.contains(QLatin1String("{tenantid}"), Qt::CaseInsensitive) && !m_config.tenants.isEmpty()
        && !m_config.tenants.contains(qs(claims, "tid"), Qt::CaseInsensitive)) {
        JwtValidation r = failure(401, QStringLiteral("invalid_token"),
            QStringLiteral("The token comes from tenant \"%1\", which this server does not accept.")
                .arg(qs(claims, "tid")));
        r.failure = crypto::VerifyFailure::WrongIssuer;
        return r;
    }
    const QStringList scopes = scopesOf(claims);
    if (!m_config.requiredAcrs.isEmpty() && !stringsOf(claims, "acrs").contains(m_config.requiredAcrs)) {
        const QString description = QStringLiteral("This server needs a token from a sign-in that satisfied "
                                                   "authentication context \"%1\" (multi-factor authentication).")
                                        .arg(m_config.requiredAcrs);
        JwtValidation r = failure(401, QStringLiteral("insufficient_claims"), description);
        r.wwwAuthenticate = insufficientClaimsChallenge(
            acrsClaimsRequest(m_config.requiredAcrs), description, m_config.realm, m_config.resourceMetadataUrl);
        r.claims = claims;
        return r;
    }
    QStringList needed = m_config.requiredScopes;
    for (const QString& s : requiredScopes) {
        if (!needed.contains(s))
            needed.append(s);
    }
    QStringList missing;
    for (const QString& s : std::as_const(needed)) {
        if (!scopes.contains(s))
            missing.append(s);
    }
    if (!missing.isEmpty()) {
        JwtValidation r = failure(403, QStringLiteral("insufficient_scope"),
            QStringLiteral("The token lacks the scope %1 needed here.").arg(missing.join(QStringLiteral(", "))),
            needed.join(QLatin1Char(' ')));
        r.claims = claims;
        r.scopes = scopes;
        return r;
    }
    JwtValidation r;
    r.ok = true;
    r.status = 200;
    r.claims = claims;
    r.scopes = scopes;
    r.roles = stringsOf(claims, "roles");
    return r;
}

} // namespace lanyard::lab
