// SPDX-License-Identifier: MIT
#include "auth/Discovery.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace lanyard::auth {

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("lanyard::auth", text);
}

QString origin(const QUrl& url)
{
    QUrl o;
    o.setScheme(url.scheme().toLower());
    o.setHost(url.host().toLower());
    o.setPort(url.port());
    return o.toString(QUrl::FullyEncoded);
}

QString trimmedPath(const QUrl& url)
{
    QString path = url.path(QUrl::FullyEncoded);
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    return path;
}

bool isHttpUrl(const QUrl& url)
{
    return url.isValid() && (url.scheme() == QLatin1String("https") || url.scheme() == QLatin1String("http"))
        && !url.host().isEmpty();
}

QStringList stringList(const json& doc, const char* key)
{
    QStringList out;
    auto it = doc.find(key);
    if (it == doc.end() || !it->is_array())
        return out;
    for (const auto& v : *it) {
        if (v.is_string())
            out << QString::fromStdString(v.get<std::string>());
    }
    return out;
}

bool readUrl(const json& doc, const char* key, QUrl* out, QString* error, bool required)
{
    const QString text = qs(doc, key);
    if (text.isEmpty()) {
        if (required && error)
            *error = tr("the metadata has no \"%1\"").arg(QLatin1String(key));
        return !required;
    }
    const QUrl url(text, QUrl::StrictMode);
    if (!isHttpUrl(url)) {
        if (error)
            *error = tr("\"%1\" in the metadata is not an http(s) URL").arg(QLatin1String(key));
        return false;
    }
    *out = url;
    return true;
}

} // namespace

QList<QUrl> protectedResourceMetadataUrls(const QUrl& serverUrl, const QUrl& fromChallenge)
{
    QList<QUrl> urls;
    if (isHttpUrl(fromChallenge))
        urls << fromChallenge;
    const QString o = origin(serverUrl);
    const QString path = trimmedPath(serverUrl);
    if (!path.isEmpty())
        urls << QUrl(o + QStringLiteral("/.well-known/oauth-protected-resource") + path);
    urls << QUrl(o + QStringLiteral("/.well-known/oauth-protected-resource"));
    QList<QUrl> unique;
    for (const QUrl& u : urls) {
        if (!unique.contains(u))
            unique << u;
    }
    return unique;
}

QList<QUrl> authorizationServerMetadataUrls(const QUrl& issuer)
{
    const QString o = origin(issuer);
    const QString path = trimmedPath(issuer);
    if (path.isEmpty())
        return {QUrl(o + QStringLiteral("/.well-known/oauth-authorization-server")),
                QUrl(o + QStringLiteral("/.well-known/openid-configuration"))};
    return {QUrl(o + QStringLiteral("/.well-known/oauth-authorization-server") + path),
            QUrl(o + QStringLiteral("/.well-known/openid-configuration") + path),
            QUrl(o + path + QStringLiteral("/.well-known/openid-configuration"))};
}

QString canonicalResource(const QUrl& url)
{
    QUrl c;
    c.setScheme(url.scheme().toLower());
    c.setHost(url.host().toLower());
    const int port = url.port();
    const bool defaultPort = (c.scheme() == QLatin1String("https") && port == 443)
        || (c.scheme() == QLatin1String("http") && port == 80);
    if (!defaultPort)
        c.setPort(port);
    QString path = url.path(QUrl::FullyEncoded);
    while (path.endsWith(QLatin1Char('/')))
        path.chop(1);
    c.setPath(path, QUrl::TolerantMode);
    if (url.hasQuery())
        c.setQuery(url.query(QUrl::FullyEncoded));
    return c.toString(QUrl::FullyEncoded);
}

bool resourceMatchesServer(const QString& resource, const QUrl& serverUrl)
{
    const QUrl r(resource, QUrl::StrictMode);
    if (!isHttpUrl(r))
        return false;
    const QString cr = canonicalResource(r);
    const QString cs = canonicalResource(serverUrl);
    if (cr == cs)
        return true;
    QUrl serverNoQuery = serverUrl;
    serverNoQuery.setQuery(QString());
    const QString csBase = canonicalResource(serverNoQuery);
    if (r.hasQuery())
        return false;
    return csBase.startsWith(cr + QLatin1Char('/'));
}

QStringList splitScopes(const QString& scope)
{
    // By hand, not with a regular expression: this runs for every token response, and compiling
    // "\\s+" each time cost more than the rest of reading the answer. The separators are the ones
    // that expression matched (ASCII white space only: no Unicode properties), not QChar::isSpace().
    QStringList out;
    qsizetype start = -1;
    for (qsizetype i = 0; i <= scope.size(); ++i) {
        const char16_t c = i == scope.size() ? u' ' : scope.at(i).unicode();
        const bool space = c == u' ' || (c >= u'\t' && c <= u'\r');
        if (!space && start < 0)
            start = i;
        if (space && start >= 0) {
            const QString s = scope.mid(start, i - start);
            if (!out.contains(s))
                out << s;
            start = -1;
        }
    }
    return out;
}

QString joinScopes(const QStringList& scopes)
{
    return scopes.join(QLatin1Char(' '));
}

QStringList unionScopes(const QStringList& a, const QStringList& b)
{
    QStringList out;
    for (const QString& s : a + b) {
        if (!s.isEmpty() && !out.contains(s))
            out << s;
    }
    return out;
}

QStringList selectScopes(const QString& challengeScope, const QStringList& scopesSupported)
{
    const QStringList fromChallenge = splitScopes(challengeScope);
    if (!fromChallenge.isEmpty())
        return fromChallenge;
    return unionScopes(scopesSupported, {});
}

QString defaultScopeFor(const QString& resource)
{
    QString r = resource.trimmed();
    if (r.endsWith(QLatin1String("/.default")))
        return r;
    while (r.endsWith(QLatin1Char('/')))
        r.chop(1);
    return r + QStringLiteral("/.default");
}

bool isOidcScope(const QString& scope)
{
    return scope == QLatin1String("openid") || scope == QLatin1String("profile") || scope == QLatin1String("email")
        || scope == QLatin1String("offline_access");
}

QString scopeResource(const QString& scope)
{
    if (isOidcScope(scope))
        return QString();
    const qsizetype schemeEnd = scope.indexOf(QLatin1String("://"));
    const qsizetype searchFrom = schemeEnd >= 0 ? schemeEnd + 3 : 0;
    const qsizetype slash = scope.lastIndexOf(QLatin1Char('/'));
    if (slash < searchFrom)
        return schemeEnd >= 0 ? scope : QString(); // "api://x" alone, or a bare Graph scope name
    return scope.left(slash);
}

QStringList scopeResources(const QStringList& scopes)
{
    QStringList out;
    for (const QString& s : scopes) {
        const QString r = scopeResource(s);
        if (!r.isEmpty() && !out.contains(r))
            out << r;
    }
    return out;
}

bool isGuid(const QString& text)
{
    static const QRegularExpression re(
        QStringLiteral("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"));
    return re.match(text).hasMatch();
}

bool isEntraHost(const QUrl& url)
{
    static const QStringList hosts = {
        QStringLiteral("login.microsoftonline.com"), QStringLiteral("login.microsoftonline.us"),
        QStringLiteral("login.chinacloudapi.cn"), QStringLiteral("login.partner.microsoftonline.cn"),
        QStringLiteral("login.windows.net"), QStringLiteral("login.microsoft.com"), QStringLiteral("sts.windows.net"),
    };
    return hosts.contains(url.host().toLower());
}

std::optional<EntraAuthority> EntraAuthority::parse(const QString& text, QString* error)
{
    const QUrl url(text.trimmed(), QUrl::StrictMode);
    if (!isHttpUrl(url) || url.hasQuery() || url.hasFragment()) {
        if (error)
            *error = tr("\"%1\" is not an authority URL like https://login.microsoftonline.com/<tenant>").arg(text.left(200));
        return std::nullopt;
    }
    if (url.scheme() != QLatin1String("https") && url.host() != QLatin1String("127.0.0.1")
        && url.host() != QLatin1String("localhost") && url.host() != QLatin1String("::1")) {
        if (error)
            *error = tr("the authority must use https (plain http is only accepted on this computer: 127.0.0.1)");
        return std::nullopt;
    }
    QStringList segments = url.path().split(QLatin1Char('/'), Qt::SkipEmptyParts);
    if (segments.size() >= 2 && segments.at(segments.size() - 2) == QLatin1String(".well-known")
        && segments.last() == QLatin1String("openid-configuration"))
        segments = segments.mid(0, segments.size() - 2);
    if (!segments.isEmpty() && segments.last().compare(QLatin1String("v2.0"), Qt::CaseInsensitive) == 0)
        segments.removeLast();
    if (segments.isEmpty()) {
        if (error)
            *error = tr("the authority %1 names no tenant; add one: a tenant ID, a domain, \"organizations\" or \"common\"")
                         .arg(url.toString());
        return std::nullopt;
    }
    EntraAuthority a;
    a.tenant = segments.takeLast();
    const QString lower = a.tenant.toLower();
    if (isGuid(a.tenant)) {
        a.kind = TenantKind::Guid;
        a.tenant = lower;
    } else if (lower == QLatin1String("organizations")) {
        a.kind = TenantKind::Organizations;
        a.tenant = lower;
    } else if (lower == QLatin1String("common")) {
        a.kind = TenantKind::Common;
        a.tenant = lower;
    } else if (lower == QLatin1String("consumers")) {
        a.kind = TenantKind::Consumers;
        a.tenant = lower;
    } else if (a.tenant.contains(QLatin1Char('.')) && !a.tenant.startsWith(QLatin1Char('.'))) {
        a.kind = TenantKind::Domain;
        a.tenant = lower;
    } else {
        if (error)
            *error = tr("\"%1\" is not a tenant: use a tenant ID (GUID), a domain like contoso.onmicrosoft.com, "
                        "\"organizations\" or \"common\"")
                         .arg(a.tenant.left(80));
        return std::nullopt;
    }
    QUrl base;
    base.setScheme(url.scheme().toLower());
    base.setHost(url.host().toLower());
    base.setPort(url.port());
    if (!segments.isEmpty())
        base.setPath(QLatin1Char('/') + segments.join(QLatin1Char('/')));
    a.base = base;
    return a;
}

QString EntraAuthority::kindName() const
{
    switch (kind) {
    case TenantKind::Guid: return QStringLiteral("tenant ID");
    case TenantKind::Domain: return QStringLiteral("domain");
    case TenantKind::Organizations: return QStringLiteral("organizations");
    case TenantKind::Common: return QStringLiteral("common");
    case TenantKind::Consumers: return QStringLiteral("consumers");
    }
    return QString();
}

namespace {
QUrl under(const QUrl& base, const QString& rest)
{
    return QUrl(base.toString(QUrl::StripTrailingSlash) + rest);
}
} // namespace

QUrl EntraAuthority::authorityUrl() const { return under(base, QStringLiteral("/%1/v2.0").arg(tenant)); }
QUrl EntraAuthority::discoveryUrl() const
{
    return under(base, QStringLiteral("/%1/v2.0/.well-known/openid-configuration").arg(tenant));
}
QUrl EntraAuthority::authorizeUrl() const { return under(base, QStringLiteral("/%1/oauth2/v2.0/authorize").arg(tenant)); }
QUrl EntraAuthority::tokenUrl() const { return under(base, QStringLiteral("/%1/oauth2/v2.0/token").arg(tenant)); }
QUrl EntraAuthority::keysUrl() const { return under(base, QStringLiteral("/%1/discovery/v2.0/keys").arg(tenant)); }
QUrl EntraAuthority::logoutUrl() const { return under(base, QStringLiteral("/%1/oauth2/v2.0/logout").arg(tenant)); }

QString EntraAuthority::expectedIssuer() const
{
    if (kind == TenantKind::Guid)
        return authorityUrl().toString();
    return base.toString(QUrl::StripTrailingSlash) + QStringLiteral("/{tenantid}/v2.0");
}

bool issuerMatches(const QString& metadataIssuer, const QUrl& expectedIssuer)
{
    auto norm = [](QString s) {
        while (s.endsWith(QLatin1Char('/')))
            s.chop(1);
        return s;
    };
    return norm(metadataIssuer) == norm(expectedIssuer.toString(QUrl::FullyEncoded))
        || norm(metadataIssuer) == norm(expectedIssuer.toString(QUrl::FullyDecoded));
}

std::optional<AuthServerMetadata> AuthServerMetadata::fromJson(const json& doc, const QUrl& source, QString* error)
{
    if (!doc.is_object()) {
        if (error)
            *error = tr("the metadata is not a JSON object");
        return std::nullopt;
    }
    AuthServerMetadata m;
    m.source = source;
    m.raw = doc;
    m.issuer = qs(doc, "issuer");
    if (m.issuer.isEmpty()) {
        if (error)
            *error = tr("the metadata has no \"issuer\"");
        return std::nullopt;
    }
    if (!readUrl(doc, "authorization_endpoint", &m.authorizationEndpoint, error, false)
        || !readUrl(doc, "token_endpoint", &m.tokenEndpoint, error, false)
        || !readUrl(doc, "jwks_uri", &m.jwksUri, error, false)
        || !readUrl(doc, "registration_endpoint", &m.registrationEndpoint, error, false)
        || !readUrl(doc, "revocation_endpoint", &m.revocationEndpoint, error, false)
        || !readUrl(doc, "end_session_endpoint", &m.endSessionEndpoint, error, false)
        || !readUrl(doc, "userinfo_endpoint", &m.userinfoEndpoint, error, false))
        return std::nullopt;
    m.scopesSupported = stringList(doc, "scopes_supported");
    m.grantTypesSupported = stringList(doc, "grant_types_supported");
    m.responseTypesSupported = stringList(doc, "response_types_supported");
    m.tokenEndpointAuthMethodsSupported = stringList(doc, "token_endpoint_auth_methods_supported");
    m.codeChallengeMethodsGiven = doc.contains("code_challenge_methods_supported");
    m.codeChallengeMethodsSupported = stringList(doc, "code_challenge_methods_supported");
    auto cimd = doc.find("client_id_metadata_document_supported");
    m.clientIdMetadataDocumentSupported = cimd != doc.end() && cimd->is_boolean() && cimd->get<bool>();
    return m;
}

bool AuthServerMetadata::supportsGrant(const QString& grant) const
{
    if (grantTypesSupported.isEmpty())
        return grant == QLatin1String(kGrantAuthorizationCode) || grant == QLatin1String("implicit");
    return grantTypesSupported.contains(grant);
}

bool AuthServerMetadata::supportsAuthMethod(const QString& method) const
{
    if (tokenEndpointAuthMethodsSupported.isEmpty())
        return method == QLatin1String("client_secret_basic");
    return tokenEndpointAuthMethodsSupported.contains(method);
}

std::optional<ProtectedResourceMetadata> ProtectedResourceMetadata::fromJson(const json& doc, const QUrl& source,
                                                                             QString* error)
{
    if (!doc.is_object()) {
        if (error)
            *error = tr("the protected-resource metadata is not a JSON object");
        return std::nullopt;
    }
    ProtectedResourceMetadata m;
    m.source = source;
    m.raw = doc;
    m.resource = qs(doc, "resource");
    if (m.resource.isEmpty()) {
        if (error)
            *error = tr("the protected-resource metadata has no \"resource\"");
        return std::nullopt;
    }
    for (const QString& s : stringList(doc, "authorization_servers")) {
        const QUrl u(s, QUrl::StrictMode);
        if (isHttpUrl(u))
            m.authorizationServers << u;
    }
    m.scopesSupported = stringList(doc, "scopes_supported");
    return m;
}

} // namespace lanyard::auth
