// SPDX-License-Identifier: MIT
#include "auth/TokenEndpoint.h"

#include "crypto/Jwt.h"
#include "crypto/Random.h"
#include "util/Clock.h"
#include "util/Logging.h"
#include "util/Redact.h"

#include <QCoreApplication>

namespace lanyard::auth {

namespace {
QString tr(const char* text)
{
    return QCoreApplication::translate("lanyard::auth", text);
}
} // namespace

QString clientAuthMethodName(ClientAuthMethod method)
{
    switch (method) {
    case ClientAuthMethod::None: return QStringLiteral("none");
    case ClientAuthMethod::SecretBasic: return QStringLiteral("client_secret_basic");
    case ClientAuthMethod::SecretPost: return QStringLiteral("client_secret_post");
    case ClientAuthMethod::PrivateKeyJwt: return QStringLiteral("private_key_jwt");
    }
    return QString();
}

std::optional<ClientAuthMethod> clientAuthMethodFromName(const QString& name)
{
    for (ClientAuthMethod m : {ClientAuthMethod::None, ClientAuthMethod::SecretBasic, ClientAuthMethod::SecretPost,
                               ClientAuthMethod::PrivateKeyJwt}) {
        if (clientAuthMethodName(m) == name)
            return m;
    }
    return std::nullopt;
}

TokenResult parseTokenResponse(int httpStatus, const QByteArray& contentType, const QByteArray& body, const QString& what)
{
    TokenResult result;
    const QByteArray ct = contentType.toLower();
    const auto parsed = parseJson(body);
    const bool isObject = parsed && parsed->is_object();
    if (httpStatus != 200) {
        if (auto e = parseOAuthError(body)) {
            result.oauthError = e;
            result.error = describeOAuthError(*e, httpStatus, what);
            return result;
        }
        QString kind = ct.startsWith("text/html") ? tr("an HTML page") : (isObject ? tr("JSON without an error code") : tr("an unreadable answer"));
        result.error = Error(Error::Kind::Auth,
                             tr("%1 failed: the authorization server answered HTTP %2 with %3 instead of an OAuth error. "
                                "Check the endpoint address; if it is right, the service has a problem (try again later).")
                                 .arg(what)
                                 .arg(httpStatus)
                                 .arg(kind),
                             httpStatus, QStringLiteral("content-type: %1").arg(QString::fromLatin1(contentType.left(80))));
        return result;
    }
    if (!isObject) {
        const QString kind = ct.startsWith("text/html") ? tr("an HTML page") : tr("something that is not JSON");
        result.error = Error(Error::Kind::Protocol,
                             tr("%1 failed: the token endpoint answered with %2 instead of a token. Check the endpoint "
                                "address in the configuration (a proxy or login portal may be in the way).")
                                 .arg(what, kind),
                             httpStatus, QStringLiteral("content-type: %1").arg(QString::fromLatin1(contentType.left(80))));
        return result;
    }
    const json& j = *parsed;
    if (j.contains("error") && j["error"].is_string()) {
        auto e = parseOAuthError(body);
        result.oauthError = e;
        result.error = describeOAuthError(*e, httpStatus, what);
        return result;
    }
    const QString access = qs(j, "access_token");
    if (access.isEmpty()) {
        result.error = Error(Error::Kind::Protocol,
                             tr("%1 failed: the token endpoint's answer has no access_token.").arg(what), httpStatus);
        return result;
    }
    TokenResponse r;
    r.accessToken = Secret(access);
    r.refreshToken = Secret(qs(j, "refresh_token"));
    r.idToken = Secret(qs(j, "id_token"));
    r.tokenType = qs(j, "token_type");
    r.issuedTokenType = qs(j, "issued_token_type");
    if (auto it = j.find("scope"); it != j.end() && it->is_string()) {
        r.scope = qstr(it->get<std::string>());
        r.scopeGiven = true;
    }
    if (auto it = j.find("expires_in"); it != j.end()) {
        if (it->is_number_integer())
            r.expiresIn = it->get<qint64>();
        else if (it->is_number())
            r.expiresIn = static_cast<qint64>(it->get<double>());
        else if (it->is_string())
            r.expiresIn = qstr(it->get<std::string>()).toLongLong();
    }
    // RFC 6749 §7.1: the client must understand the token type. RFC 8693 allows N_A for non-access tokens.
    if (!r.tokenType.isEmpty() && r.tokenType.compare(QLatin1String("Bearer"), Qt::CaseInsensitive) != 0
        && r.tokenType != QLatin1String("N_A")) {
        result.error = Error(Error::Kind::Auth,
                             tr("%1 failed: the token endpoint issued a \"%2\" token, which Lanyard cannot send (it sends "
                                "Bearer tokens).")
                                 .arg(what, r.tokenType.left(40)),
                             httpStatus);
        return result;
    }
    result.response = std::move(r);
    return result;
}

bool applyClientAuth(const ClientCredentials& client, const QUrl& tokenEndpoint, FormFields* form, HttpHeaders* headers,
                     const Clock* clock, Error* error)
{
    switch (client.method) {
    case ClientAuthMethod::None:
        if (!client.clientId.isEmpty())
            form->append({QStringLiteral("client_id"), client.clientId});
        return true;
    case ClientAuthMethod::SecretPost:
        if (client.secret.isEmpty())
            break;
        form->append({QStringLiteral("client_id"), client.clientId});
        form->append({QStringLiteral("client_secret"), client.secret.revealString()});
        return true;
    case ClientAuthMethod::SecretBasic: {
        if (client.secret.isEmpty())
            break;
        const QByteArray pair = QUrl::toPercentEncoding(client.clientId) + ':' + QUrl::toPercentEncoding(client.secret.revealString());
        headers->append({"Authorization", "Basic " + pair.toBase64()});
        return true;
    }
    case ClientAuthMethod::PrivateKeyJwt: {
        if (client.privateKey.isNull() || !client.privateKey.hasPrivateKey()) {
            *error = Error(Error::Kind::Config,
                           tr("The client \"%1\" uses private_key_jwt but no private key is available. Name a key file or "
                              "keychain entry in the configuration.")
                               .arg(client.clientId));
            return false;
        }
        const qint64 now = (clock ? clock : Clock::system())->nowSecs();
        const QString aud = client.assertionAudience.isEmpty() ? tokenEndpoint.toString() : client.assertionAudience;
        const json claims{{"iss", ss(client.clientId)}, {"sub", ss(client.clientId)}, {"aud", ss(aud)},
                          {"jti", ss(crypto::randomUrlSafe(24))}, {"iat", now}, {"nbf", now}, {"exp", now + 300}};
        QString why;
        const auto assertion = crypto::signJwt(client.privateKey, json::object(), claims, &why);
        if (!assertion) {
            *error = Error(Error::Kind::Internal, tr("Could not sign the client assertion: %1").arg(why));
            return false;
        }
        form->append({QStringLiteral("client_id"), client.clientId});
        form->append({QStringLiteral("client_assertion_type"), QString::fromLatin1(kClientAssertionTypeJwt)});
        form->append({QStringLiteral("client_assertion"), QString::fromLatin1(*assertion)});
        return true;
    }
    }
    *error = Error(Error::Kind::Config,
                   tr("The client \"%1\" uses %2 but no client secret is available. Put it in the keychain entry or the "
                      "environment variable named in the configuration (never in the file).")
                       .arg(client.clientId, clientAuthMethodName(client.method)));
    return false;
}

void requestToken(HttpClient* http, const QUrl& tokenEndpoint, FormFields form, const ClientCredentials& client,
                  const QString& what, const Clock* clock, QObject* context, std::function<void(const TokenResult&)> done)
{
    HttpHeaders headers;
    Error error;
    if (!applyClientAuth(client, tokenEndpoint, &form, &headers, clock, &error)) {
        TokenResult r;
        r.error = error;
        done(r);
        return;
    }
    qCInfo(lcAuth).noquote() << "token request:" << redact::url(tokenEndpoint) << "grant" << [&] {
        for (const auto& f : form) {
            if (f.first == QLatin1String("grant_type"))
                return f.second;
        }
        return QString();
    }();
    http->postForm(tokenEndpoint, form, headers, context, [what, done = std::move(done)](const HttpResponse& response) {
        TokenResult r;
        if (!response.ok()) {
            r.error = response.error;
            r.error.message = QObject::tr("%1 failed: %2").arg(what, response.error.message);
            r.exchange = response.exchange;
            done(r);
            return;
        }
        r = parseTokenResponse(response.status, response.contentType, response.body, what);
        r.exchange = response.exchange;
        done(r);
    });
}

} // namespace lanyard::auth
