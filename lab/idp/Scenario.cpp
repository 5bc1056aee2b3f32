// SPDX-License-Identifier: MIT
#include "idp/Scenario.h"

#include <QFile>
#include <QRegularExpression>

namespace lanyard::lab {

namespace {

const QStringList kOidcScopes { QStringLiteral("openid"), QStringLiteral("profile"), QStringLiteral("email"),
    QStringLiteral("offline_access") };

bool fail(QString* error, const QString& why)
{
    if (error)
        *error = why;
    return false;
}

bool isGuid(const QString& s)
{
    static const QRegularExpression re(
        QStringLiteral("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"));
    return re.match(s).hasMatch();
}

// Reads an optional array of strings; false (with *error) if present but not an array of strings.
bool readStringList(const json& j, const char* key, const QString& where, QStringList* out, QString* error)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return true;
    if (!it->is_array())
        return fail(error, QStringLiteral("%1.%2 must be a list of strings").arg(where, QLatin1String(key)));
    out->clear();
    for (const json& v : *it) {
        if (!v.is_string())
            return fail(error, QStringLiteral("%1.%2 must hold only strings").arg(where, QLatin1String(key)));
        out->append(QString::fromStdString(v.get<std::string>()));
    }
    return true;
}

bool readString(const json& j, const char* key, const QString& where, QString* out, QString* error, bool required)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
        if (required)
            return fail(error, QStringLiteral("%1.%2 is missing").arg(where, QLatin1String(key)));
        return true;
    }
    if (!it->is_string())
        return fail(error, QStringLiteral("%1.%2 must be a string").arg(where, QLatin1String(key)));
    *out = QString::fromStdString(it->get<std::string>());
    if (required && out->isEmpty())
        return fail(error, QStringLiteral("%1.%2 is empty").arg(where, QLatin1String(key)));
    return true;
}

template <typename Int> bool readInt(const json& j, const char* key, const QString& where, Int* out, QString* error)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return true;
    if (!it->is_number_integer() || it->get<qint64>() <= 0)
        return fail(error, QStringLiteral("%1.%2 must be a positive whole number").arg(where, QLatin1String(key)));
    *out = static_cast<Int>(it->get<qint64>());
    return true;
}

bool readStringMapOfLists(
    const json& j, const char* key, const QString& where, QMap<QString, QStringList>* out, QString* error)
{
    auto it = j.find(key);
    if (it == j.end() || it->is_null())
        return true;
    if (!it->is_object())
        return fail(error, QStringLiteral("%1.%2 must be an object of lists").arg(where, QLatin1String(key)));
    for (auto m = it->begin(); m != it->end(); ++m) {
        QStringList values;
        if (!m.value().is_array())
            return fail(error,
                QStringLiteral("%1.%2.%3 must be a list of strings")
                    .arg(where, QLatin1String(key), QString::fromStdString(m.key())));
        for (const json& v : m.value()) {
            if (!v.is_string())
                return fail(error,
                    QStringLiteral("%1.%2.%3 must hold only strings")
                        .arg(where, QLatin1String(key), QString::fromStdString(m.key())));
            values.append(QString::fromStdString(v.get<std::string>()));
        }
        out->insert(QString::fromStdString(m.key()), values);
    }
    return true;
}

json toJsonList(const QStringList& list)
{
    json a = json::array();
    for (const QString& s : list)
        a.push_back(ss(s));
    return a;
}

json toJsonMap(const QMap<QString, QStringList>& map)
{
    json o = json::object();
    for (auto it = map.begin(); it != map.end(); ++it)
        o[ss(it.key())] = toJsonList(it.value());
    return o;
}

QString platformName(AppPlatform p)
{
    switch (p) {
    case AppPlatform::MobileDesktop:
        return QStringLiteral("mobileDesktop");
    case AppPlatform::Web:
        return QStringLiteral("web");
    case AppPlatform::None:
        break;
    }
    return QStringLiteral("none");
}

LabApp graphPseudoApp()
{
    LabApp g;
    g.key = QStringLiteral("graph");
    g.appId = QString::fromLatin1(kGraphAppId);
    g.displayName = QStringLiteral("Microsoft Graph (lab stand-in)");
    g.identifierUris = { QStringLiteral("https://graph.microsoft.com") };
    g.scopes = { QStringLiteral("openid"), QStringLiteral("profile"), QStringLiteral("email"),
        QStringLiteral("offline_access"), QStringLiteral("User.Read") };
    return g;
}

} // namespace

QString clientAuthMethodName(ClientAuthMethod method)
{
    switch (method) {
    case ClientAuthMethod::ClientSecretBasic:
        return QStringLiteral("client_secret_basic");
    case ClientAuthMethod::ClientSecretPost:
        return QStringLiteral("client_secret_post");
    case ClientAuthMethod::PrivateKeyJwt:
        return QStringLiteral("private_key_jwt");
    case ClientAuthMethod::None:
        break;
    }
    return QStringLiteral("none");
}

std::optional<ClientAuthMethod> clientAuthMethodFromName(const QString& name)
{
    if (name == QLatin1String("none"))
        return ClientAuthMethod::None;
    if (name == QLatin1String("client_secret_basic"))
        return ClientAuthMethod::ClientSecretBasic;
    if (name == QLatin1String("client_secret_post"))
        return ClientAuthMethod::ClientSecretPost;
    if (name == QLatin1String("private_key_jwt"))
        return ClientAuthMethod::PrivateKeyJwt;
    return std::nullopt;
}

bool ResolvedScope::isOidc() const
{
    return resource && resource->appId == QLatin1String(kGraphAppId) && kOidcScopes.contains(name);
}

Scenario Scenario::builtIn()
{
    using namespace builtin;
    Scenario s;
    s.tenantId = QString::fromLatin1(kTenantId);
    s.tenantName = QStringLiteral("Lanyard Lab");
    s.tenantDomain = QStringLiteral("lanyardlab.onmicrosoft.com");
    s.pairwiseSalt = QStringLiteral("lanyard-lab-built-in");

    LabApp lanyard;
    lanyard.key = QStringLiteral("lanyard");
    lanyard.appId = QString::fromLatin1(kLanyardClientId);
    lanyard.displayName = QStringLiteral("Lanyard");
    lanyard.platform = AppPlatform::MobileDesktop;
    lanyard.redirectUris = { QStringLiteral("http://127.0.0.1/callback"), QStringLiteral("http://localhost/callback"),
        QStringLiteral("http://localhost") };
    lanyard.requiredResourceAccess = {
        { QStringLiteral("graph"),
            { QStringLiteral("openid"), QStringLiteral("profile"), QStringLiteral("offline_access"),
                QStringLiteral("User.Read") } },
        { QStringLiteral("lab-sts"), { QStringLiteral("user_impersonation") } },
        { QStringLiteral("lab-hr"), { QStringLiteral("HR.Read"), QStringLiteral("HR.Write") } },
        { QStringLiteral("lab-docs"), { QStringLiteral("Docs.Read"), QStringLiteral("Docs.Write") } },
        { QStringLiteral("lab-gateway"), { QStringLiteral("Gateway.Use") } },
    };

    LabApp sts;
    sts.key = QStringLiteral("lab-sts");
    sts.appId = QString::fromLatin1(kTokenServiceAppId);
    sts.displayName = QStringLiteral("Lanyard Lab Token Service");
    sts.identifierUris = { QStringLiteral("api://lanyard-lab-sts") };
    sts.scopes = { QStringLiteral("user_impersonation") };

    LabApp hr;
    hr.key = QStringLiteral("lab-hr");
    hr.appId = QString::fromLatin1(kHrAppId);
    hr.displayName = QStringLiteral("Lab HR API");
    hr.identifierUris = { QStringLiteral("api://lab-hr") };
    hr.scopes = { QStringLiteral("HR.Read"), QStringLiteral("HR.Write") };
    hr.appRoles = { QStringLiteral("HR.Admin") };

    LabApp docs;
    docs.key = QStringLiteral("lab-docs");
    docs.appId = QString::fromLatin1(kDocsAppId);
    docs.displayName = QStringLiteral("Lab Docs API");
    docs.identifierUris = { QStringLiteral("api://lab-docs") };
    docs.scopes = { QStringLiteral("Docs.Read"), QStringLiteral("Docs.Write") };
    docs.appRoles = { QStringLiteral("Docs.Editor") };

    LabApp gateway;
    gateway.key = QStringLiteral("lab-gateway");
    gateway.appId = QString::fromLatin1(kGatewayAppId);
    gateway.displayName = QStringLiteral("Lab Gateway API (On-Behalf-Of middle tier)");
    gateway.identifierUris = { QStringLiteral("api://lab-gateway") };
    gateway.scopes = { QStringLiteral("Gateway.Use") };
    gateway.platform = AppPlatform::Web;
    gateway.redirectUris = { QStringLiteral("http://localhost/gateway/callback") };
    gateway.clientSecret = QString::fromLatin1(kGatewaySecret);
    gateway.requiredResourceAccess = { { QStringLiteral("graph"), { QStringLiteral("offline_access") } },
        { QStringLiteral("lab-hr"), { QStringLiteral("HR.Read") } },
        { QStringLiteral("lab-docs"), { QStringLiteral("Docs.Read") } } };

    LabApp misregistered;
    misregistered.key = QStringLiteral("lanyard-as-web");
    misregistered.appId = QString::fromLatin1(kWebMisregisteredAppId);
    misregistered.displayName = QStringLiteral("Lanyard (wrongly registered as Web)");
    misregistered.platform = AppPlatform::Web;
    misregistered.redirectUris
        = { QStringLiteral("http://localhost/callback"), QStringLiteral("http://127.0.0.1/callback") };
    misregistered.requiredResourceAccess = lanyard.requiredResourceAccess;

    s.apps = { lanyard, sts, hr, docs, gateway, misregistered };
    s.ensureGraphApp();

    s.users = {
        LabUser { QString::fromLatin1(kAdaOid), QStringLiteral("ada@lanyardlab.onmicrosoft.com"),
            QStringLiteral("Ada Admin"),
            { { QStringLiteral("lab-hr"), { QStringLiteral("HR.Admin") } },
                { QStringLiteral("lab-docs"), { QStringLiteral("Docs.Editor") } } },
            true },
        LabUser { QString::fromLatin1(kOlliOid), QStringLiteral("olli@lanyardlab.onmicrosoft.com"),
            QStringLiteral("Olli User"), {}, true },
        LabUser { QString::fromLatin1(kChrisOid), QStringLiteral("chris@lanyardlab.onmicrosoft.com"),
            QStringLiteral("Chris Newcomer"), {}, true },
    };

    // Ada and Olli consented to everything Lanyard asks for; Chris has not consented yet.
    for (const char* oid : { kAdaOid, kOlliOid }) {
        for (auto it = lanyard.requiredResourceAccess.begin(); it != lanyard.requiredResourceAccess.end(); ++it)
            s.grantConsent(QString::fromLatin1(oid), lanyard.appId, s.findApp(it.key())->appId, it.value());
    }
    // The gateway's downstream permissions have admin consent (an On-Behalf-Of middle tier cannot
    // show a consent page).
    for (auto it = gateway.requiredResourceAccess.begin(); it != gateway.requiredResourceAccess.end(); ++it)
        s.grantConsent(QString(), gateway.appId, s.findApp(it.key())->appId, it.value());

    s.tokenServiceAppKey = QStringLiteral("lab-sts");
    TokenServiceClient lanyardClient;
    lanyardClient.clientId = lanyard.appId;
    lanyardClient.displayName = QStringLiteral("Lanyard");
    lanyardClient.auth = ClientAuthMethod::None;
    lanyardClient.servers = { QStringLiteral("*") };
    TokenServiceClient docsServer;
    docsServer.clientId = QString::fromLatin1(kDocsServerClientId);
    docsServer.displayName = QStringLiteral("Docs MCP server (calls HR on the user's behalf)");
    docsServer.auth = ClientAuthMethod::ClientSecretBasic;
    docsServer.secret = QString::fromLatin1(kDocsServerSecret);
    docsServer.servers = { QStringLiteral("hr") };
    docsServer.ownsServers = { QStringLiteral("docs") };
    s.tokenServiceClients = { lanyardClient, docsServer };

    TokenServiceServer hrServer;
    hrServer.name = QStringLiteral("hr");
    hrServer.appKey = QStringLiteral("lab-hr");
    hrServer.scopes = { QStringLiteral("HR.Read"), QStringLiteral("HR.Write") };
    hrServer.roleMap = { { QStringLiteral("HR.Admin"), QStringLiteral("hr.admin") } };
    TokenServiceServer docsTarget;
    docsTarget.name = QStringLiteral("docs");
    docsTarget.appKey = QStringLiteral("lab-docs");
    docsTarget.scopes = { QStringLiteral("Docs.Read"), QStringLiteral("Docs.Write") };
    docsTarget.roleMap = { { QStringLiteral("Docs.Editor"), QStringLiteral("docs.editor") } };
    s.tokenServiceServers = { hrServer, docsTarget };
    return s;
}

void Scenario::ensureGraphApp()
{
    if (!findApp(QString::fromLatin1(kGraphAppId)))
        apps.push_back(graphPseudoApp());
}

std::optional<Scenario> Scenario::fromJson(const json& doc, QString* error)
{
    if (!doc.is_object()) {
        fail(error, QStringLiteral("the scenario must be a JSON object"));
        return std::nullopt;
    }
    Scenario s;
    const json tenant = doc.value("tenant", json::object());
    if (!tenant.is_object()) {
        fail(error, QStringLiteral("tenant must be an object"));
        return std::nullopt;
    }
    if (!readString(tenant, "id", QStringLiteral("tenant"), &s.tenantId, error, true)
        || !readString(tenant, "name", QStringLiteral("tenant"), &s.tenantName, error, false)
        || !readString(tenant, "domain", QStringLiteral("tenant"), &s.tenantDomain, error, false)
        || !readString(tenant, "pairwiseSalt", QStringLiteral("tenant"), &s.pairwiseSalt, error, false))
        return std::nullopt;
    if (!isGuid(s.tenantId)) {
        fail(error, QStringLiteral("tenant.id must be a GUID (like 0f4670e3-dd4e-4975-b62c-d8ecbfd8a952)"));
        return std::nullopt;
    }
    s.tenantId = s.tenantId.toLower();
    if (s.tenantName.isEmpty())
        s.tenantName = QStringLiteral("Lanyard Lab");
    if (s.pairwiseSalt.isEmpty())
        s.pairwiseSalt = s.tenantId;

    if (auto it = doc.find("lifetimes"); it != doc.end()) {
        const QString w = QStringLiteral("lifetimes");
        if (!it->is_object()) {
            fail(error, QStringLiteral("lifetimes must be an object"));
            return std::nullopt;
        }
        if (!readInt(*it, "accessTokenSecs", w, &s.lifetimes.accessTokenSecs, error)
            || !readInt(*it, "idTokenSecs", w, &s.lifetimes.idTokenSecs, error)
            || !readInt(*it, "refreshTokenSecs", w, &s.lifetimes.refreshTokenSecs, error)
            || !readInt(*it, "codeSecs", w, &s.lifetimes.codeSecs, error)
            || !readInt(*it, "tokenServiceSecs", w, &s.lifetimes.tokenServiceSecs, error))
            return std::nullopt;
    }

    const json apps = doc.value("apps", json::array());
    if (!apps.is_array()) {
        fail(error, QStringLiteral("apps must be a list"));
        return std::nullopt;
    }
    for (size_t i = 0; i < apps.size(); ++i) {
        const json& a = apps[i];
        const QString w = QStringLiteral("apps[%1]").arg(i);
        if (!a.is_object()) {
            fail(error, QStringLiteral("%1 must be an object").arg(w));
            return std::nullopt;
        }
        LabApp app;
        QString platform = QStringLiteral("none");
        if (!readString(a, "key", w, &app.key, error, true) || !readString(a, "appId", w, &app.appId, error, true)
            || !readString(a, "name", w, &app.displayName, error, false)
            || !readString(a, "platform", w, &platform, error, false)
            || !readString(a, "clientSecret", w, &app.clientSecret, error, false)
            || !readStringList(a, "identifierUris", w, &app.identifierUris, error)
            || !readStringList(a, "scopes", w, &app.scopes, error)
            || !readStringList(a, "appRoles", w, &app.appRoles, error)
            || !readStringList(a, "redirectUris", w, &app.redirectUris, error)
            || !readStringMapOfLists(a, "requiredResourceAccess", w, &app.requiredResourceAccess, error))
            return std::nullopt;
        if (!isGuid(app.appId)) {
            fail(error, QStringLiteral("%1.appId must be a GUID").arg(w));
            return std::nullopt;
        }
        app.appId = app.appId.toLower();
        if (platform == QLatin1String("mobileDesktop"))
            app.platform = AppPlatform::MobileDesktop;
        else if (platform == QLatin1String("web"))
            app.platform = AppPlatform::Web;
        else if (platform == QLatin1String("none"))
            app.platform = AppPlatform::None;
        else {
            fail(error, QStringLiteral("%1.platform must be \"none\", \"mobileDesktop\" or \"web\"").arg(w));
            return std::nullopt;
        }
        app.requiresMfa = a.value("requiresMfa", false) == true;
        if (app.displayName.isEmpty())
            app.displayName = app.key;
        if (s.findApp(app.key) || s.findApp(app.appId)) {
            fail(error,
                QStringLiteral("%1: an app with key \"%2\" or id %3 is already listed").arg(w, app.key, app.appId));
            return std::nullopt;
        }
        s.apps.push_back(app);
    }
    s.ensureGraphApp();
    for (const LabApp& app : s.apps) {
        for (auto it = app.requiredResourceAccess.begin(); it != app.requiredResourceAccess.end(); ++it) {
            const LabApp* resource = s.findApp(it.key());
            if (!resource) {
                fail(error,
                    QStringLiteral("app \"%1\": requiredResourceAccess names an unknown app \"%2\"")
                        .arg(app.key, it.key()));
                return std::nullopt;
            }
            for (const QString& scope : it.value()) {
                if (!resource->scopes.contains(scope)) {
                    fail(error,
                        QStringLiteral("app \"%1\": \"%2\" exposes no scope \"%3\"").arg(app.key, it.key(), scope));
                    return std::nullopt;
                }
            }
        }
    }

    const json users = doc.value("users", json::array());
    if (!users.is_array()) {
        fail(error, QStringLiteral("users must be a list"));
        return std::nullopt;
    }
    for (size_t i = 0; i < users.size(); ++i) {
        const json& u = users[i];
        const QString w = QStringLiteral("users[%1]").arg(i);
        if (!u.is_object()) {
            fail(error, QStringLiteral("%1 must be an object").arg(w));
            return std::nullopt;
        }
        LabUser user;
        if (!readString(u, "oid", w, &user.oid, error, true)
            || !readString(u, "username", w, &user.username, error, true)
            || !readString(u, "name", w, &user.displayName, error, false)
            || !readStringMapOfLists(u, "roles", w, &user.roles, error))
            return std::nullopt;
        if (!isGuid(user.oid)) {
            fail(error, QStringLiteral("%1.oid must be a GUID").arg(w));
            return std::nullopt;
        }
        user.oid = user.oid.toLower();
        user.enabled = u.value("enabled", true) != false;
        if (user.displayName.isEmpty())
            user.displayName = user.username;
        for (auto it = user.roles.begin(); it != user.roles.end(); ++it) {
            const LabApp* app = s.findApp(it.key());
            if (!app) {
                fail(error, QStringLiteral("%1.roles names an unknown app \"%2\"").arg(w, it.key()));
                return std::nullopt;
            }
            for (const QString& role : it.value()) {
                if (!app->appRoles.contains(role)) {
                    fail(error, QStringLiteral("%1.roles: app \"%2\" has no app role \"%3\"").arg(w, it.key(), role));
                    return std::nullopt;
                }
            }
        }
        if (s.findUser(user.oid) || s.findUser(user.username)) {
            fail(error, QStringLiteral("%1: user %2 is listed twice").arg(w, user.username));
            return std::nullopt;
        }
        s.users.push_back(user);
    }

    const json consents = doc.value("consents", json::array());
    if (!consents.is_array()) {
        fail(error, QStringLiteral("consents must be a list"));
        return std::nullopt;
    }
    for (size_t i = 0; i < consents.size(); ++i) {
        const json& c = consents[i];
        const QString w = QStringLiteral("consents[%1]").arg(i);
        if (!c.is_object()) {
            fail(error, QStringLiteral("%1 must be an object").arg(w));
            return std::nullopt;
        }
        QString userRef;
        QString clientRef;
        QStringList scopes;
        if (!readString(c, "user", w, &userRef, error, true) || !readString(c, "client", w, &clientRef, error, true)
            || !readStringList(c, "scopes", w, &scopes, error))
            return std::nullopt;
        QString userOid;
        if (userRef != QLatin1String("*")) {
            const LabUser* user = s.findUser(userRef);
            if (!user) {
                fail(error, QStringLiteral("%1.user: no user \"%2\" (use \"*\" for admin consent)").arg(w, userRef));
                return std::nullopt;
            }
            userOid = user->oid;
        }
        const LabApp* client = s.findApp(clientRef);
        if (!client) {
            fail(error, QStringLiteral("%1.client: no app \"%2\"").arg(w, clientRef));
            return std::nullopt;
        }
        for (const QString& scope : std::as_const(scopes)) {
            QString why;
            const auto resolved = s.resolveScope(scope, &why);
            if (!resolved) {
                fail(error, QStringLiteral("%1.scopes: %2").arg(w, why));
                return std::nullopt;
            }
            QStringList names { resolved->name };
            if (resolved->name == QLatin1String(".default"))
                names = client->requiredResourceAccess.value(resolved->resource->key);
            s.grantConsent(userOid, client->appId, resolved->resource->appId, names);
        }
    }

    if (auto it = doc.find("tokenService"); it != doc.end()) {
        const json& ts = *it;
        if (!ts.is_object()) {
            fail(error, QStringLiteral("tokenService must be an object"));
            return std::nullopt;
        }
        if (!readString(ts, "app", QStringLiteral("tokenService"), &s.tokenServiceAppKey, error, false))
            return std::nullopt;
        const json clients = ts.value("clients", json::array());
        const json servers = ts.value("servers", json::array());
        if (!clients.is_array() || !servers.is_array()) {
            fail(error, QStringLiteral("tokenService.clients and tokenService.servers must be lists"));
            return std::nullopt;
        }
        for (size_t i = 0; i < clients.size(); ++i) {
            const json& c = clients[i];
            const QString w = QStringLiteral("tokenService.clients[%1]").arg(i);
            if (!c.is_object()) {
                fail(error, QStringLiteral("%1 must be an object").arg(w));
                return std::nullopt;
            }
            TokenServiceClient client;
            QString auth = QStringLiteral("none");
            if (!readString(c, "clientId", w, &client.clientId, error, true)
                || !readString(c, "name", w, &client.displayName, error, false)
                || !readString(c, "auth", w, &auth, error, false)
                || !readString(c, "secret", w, &client.secret, error, false)
                || !readStringList(c, "servers", w, &client.servers, error)
                || !readStringList(c, "ownsServers", w, &client.ownsServers, error))
                return std::nullopt;
            const auto method = clientAuthMethodFromName(auth);
            if (!method) {
                fail(error,
                    QStringLiteral("%1.auth must be none, client_secret_basic, client_secret_post or private_key_jwt")
                        .arg(w));
                return std::nullopt;
            }
            client.auth = *method;
            if (c.contains("jwk"))
                client.jwk = c["jwk"];
            if ((client.auth == ClientAuthMethod::ClientSecretBasic
                    || client.auth == ClientAuthMethod::ClientSecretPost)
                && client.secret.isEmpty()) {
                fail(error, QStringLiteral("%1: %2 needs a secret").arg(w, auth));
                return std::nullopt;
            }
            if (client.auth == ClientAuthMethod::PrivateKeyJwt && !client.jwk.is_object()) {
                fail(error, QStringLiteral("%1: private_key_jwt needs the client's public key as \"jwk\"").arg(w));
                return std::nullopt;
            }
            s.tokenServiceClients.push_back(client);
        }
        for (size_t i = 0; i < servers.size(); ++i) {
            const json& v = servers[i];
            const QString w = QStringLiteral("tokenService.servers[%1]").arg(i);
            if (!v.is_object()) {
                fail(error, QStringLiteral("%1 must be an object").arg(w));
                return std::nullopt;
            }
            TokenServiceServer server;
            if (!readString(v, "name", w, &server.name, error, true)
                || !readString(v, "app", w, &server.appKey, error, false)
                || !readString(v, "resource", w, &server.resource, error, false)
                || !readStringList(v, "scopes", w, &server.scopes, error))
                return std::nullopt;
            if (auto rm = v.find("roleMap"); rm != v.end() && rm->is_object()) {
                for (auto m = rm->begin(); m != rm->end(); ++m) {
                    if (m.value().is_string())
                        server.roleMap.insert(
                            QString::fromStdString(m.key()), QString::fromStdString(m.value().get<std::string>()));
                }
            }
            if (!server.appKey.isEmpty() && !s.findApp(server.appKey)) {
                fail(error, QStringLiteral("%1.app: no app \"%2\"").arg(w, server.appKey));
                return std::nullopt;
            }
            s.tokenServiceServers.push_back(server);
        }
    }
    if (!s.tokenServiceAppKey.isEmpty() && !s.findApp(s.tokenServiceAppKey)) {
        fail(error, QStringLiteral("tokenService.app: no app \"%1\"").arg(s.tokenServiceAppKey));
        return std::nullopt;
    }
    return s;
}

std::optional<Scenario> Scenario::load(const QString& path, QString* error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        fail(error, QStringLiteral("cannot read the scenario file %1: %2").arg(path, file.errorString()));
        return std::nullopt;
    }
    QString why;
    const auto doc = parseJson(file.readAll(), &why);
    if (!doc) {
        fail(error, QStringLiteral("the scenario file %1 is not valid JSON: %2").arg(path, why));
        return std::nullopt;
    }
    auto s = fromJson(*doc, &why);
    if (!s)
        fail(error, QStringLiteral("the scenario file %1 is not usable: %2").arg(path, why));
    return s;
}

json Scenario::toJson() const
{
    json doc;
    doc["tenant"] = { { "id", ss(tenantId) }, { "name", ss(tenantName) }, { "domain", ss(tenantDomain) },
        { "pairwiseSalt", ss(pairwiseSalt) } };
    doc["lifetimes"] = { { "accessTokenSecs", lifetimes.accessTokenSecs }, { "idTokenSecs", lifetimes.idTokenSecs },
        { "refreshTokenSecs", lifetimes.refreshTokenSecs }, { "codeSecs", lifetimes.codeSecs },
        { "tokenServiceSecs", lifetimes.tokenServiceSecs } };
    json a = json::array();
    for (const LabApp& app : apps) {
        if (app.appId == QLatin1String(kGraphAppId))
            continue;
        json o { { "key", ss(app.key) }, { "appId", ss(app.appId) }, { "name", ss(app.displayName) },
            { "platform", ss(platformName(app.platform)) } };
        if (!app.identifierUris.isEmpty())
            o["identifierUris"] = toJsonList(app.identifierUris);
        if (!app.scopes.isEmpty())
            o["scopes"] = toJsonList(app.scopes);
        if (!app.appRoles.isEmpty())
            o["appRoles"] = toJsonList(app.appRoles);
        if (!app.redirectUris.isEmpty())
            o["redirectUris"] = toJsonList(app.redirectUris);
        if (!app.clientSecret.isEmpty())
            o["clientSecret"] = ss(app.clientSecret);
        if (!app.requiredResourceAccess.isEmpty())
            o["requiredResourceAccess"] = toJsonMap(app.requiredResourceAccess);
        if (app.requiresMfa)
            o["requiresMfa"] = true;
        a.push_back(o);
    }
    doc["apps"] = a;
    json u = json::array();
    for (const LabUser& user : users) {
        json o { { "oid", ss(user.oid) }, { "username", ss(user.username) }, { "name", ss(user.displayName) } };
        if (!user.roles.isEmpty())
            o["roles"] = toJsonMap(user.roles);
        if (!user.enabled)
            o["enabled"] = false;
        u.push_back(o);
    }
    doc["users"] = u;
    json c = json::array();
    for (const LabConsent& consent : consents) {
        const LabUser* user = findUser(consent.userOid);
        const LabApp* resource = findApp(consent.resourceAppId);
        if ((!consent.userOid.isEmpty() && !user) || !resource)
            continue;
        QStringList scopes;
        for (const QString& name : consent.scopes) {
            const bool bare = resource->appId == QLatin1String(kGraphAppId);
            scopes.append(bare ? name
                               : resource->identifierUris.value(0, QStringLiteral("api://") + resource->appId)
                        + QLatin1Char('/') + name);
        }
        c.push_back({ { "user", user ? ss(user->username) : std::string("*") }, { "client", ss(consent.clientAppId) },
            { "scopes", toJsonList(scopes) } });
    }
    doc["consents"] = c;
    json clients = json::array();
    for (const TokenServiceClient& client : tokenServiceClients) {
        json o { { "clientId", ss(client.clientId) }, { "name", ss(client.displayName) },
            { "auth", ss(clientAuthMethodName(client.auth)) }, { "servers", toJsonList(client.servers) } };
        if (!client.secret.isEmpty())
            o["secret"] = ss(client.secret);
        if (client.jwk.is_object())
            o["jwk"] = client.jwk;
        if (!client.ownsServers.isEmpty())
            o["ownsServers"] = toJsonList(client.ownsServers);
        clients.push_back(o);
    }
    json servers = json::array();
    for (const TokenServiceServer& server : tokenServiceServers) {
        json o { { "name", ss(server.name) }, { "app", ss(server.appKey) }, { "scopes", toJsonList(server.scopes) } };
        json rm = json::object();
        for (auto it = server.roleMap.begin(); it != server.roleMap.end(); ++it)
            rm[ss(it.key())] = ss(it.value());
        if (!rm.empty())
            o["roleMap"] = rm;
        servers.push_back(o);
    }
    doc["tokenService"] = { { "app", ss(tokenServiceAppKey) }, { "clients", clients }, { "servers", servers } };
    return doc;
}

const LabUser* Scenario::findUser(const QString& ref) const
{
    for (const LabUser& u : users) {
        if (u.oid.compare(ref, Qt::CaseInsensitive) == 0 || u.username.compare(ref, Qt::CaseInsensitive) == 0)
            return &u;
    }
    return nullptr;
}

LabUser* Scenario::findUser(const QString& ref)
{
    return const_cast<LabUser*>(std::as_const(*this).findUser(ref));
}

const LabApp* Scenario::findApp(const QString& ref) const
{
    for (const LabApp& a : apps) {
        if (a.key == ref || a.appId.compare(ref, Qt::CaseInsensitive) == 0)
            return &a;
    }
    return nullptr;
}

LabApp* Scenario::findApp(const QString& ref)
{
    return const_cast<LabApp*>(std::as_const(*this).findApp(ref));
}

const LabApp* Scenario::findResource(const QString& identifier) const
{
    if (identifier.isEmpty())
        return nullptr;
    for (const LabApp& a : apps) {
        if (a.appId.compare(identifier, Qt::CaseInsensitive) == 0
            || (QStringLiteral("api://") + a.appId).compare(identifier, Qt::CaseInsensitive) == 0)
            return &a;
        for (const QString& uri : a.identifierUris) {
            if (uri.compare(identifier, Qt::CaseInsensitive) == 0)
                return &a;
        }
    }
    return nullptr;
}

const TokenServiceClient* Scenario::findTokenServiceClient(const QString& clientId) const
{
    for (const TokenServiceClient& c : tokenServiceClients) {
        if (c.clientId == clientId)
            return &c;
    }
    return nullptr;
}

TokenServiceClient* Scenario::findTokenServiceClient(const QString& clientId)
{
    return const_cast<TokenServiceClient*>(std::as_const(*this).findTokenServiceClient(clientId));
}

const TokenServiceServer* Scenario::findServer(const QString& ref) const
{
    if (ref.isEmpty())
        return nullptr;
    for (const TokenServiceServer& s : tokenServiceServers) {
        if (s.name == ref || (!s.resource.isEmpty() && s.resource == ref))
            return &s;
    }
    return nullptr;
}

TokenServiceServer* Scenario::findServer(const QString& ref)
{
    return const_cast<TokenServiceServer*>(std::as_const(*this).findServer(ref));
}

std::optional<ResolvedScope> Scenario::resolveScope(const QString& scope, QString* error) const
{
    ResolvedScope r;
    r.original = scope;
    if (scope.isEmpty()) {
        fail(error, QStringLiteral("an empty scope"));
        return std::nullopt;
    }
    const qsizetype slash = scope.lastIndexOf(QLatin1Char('/'));
    if (slash < 0) {
        // Bare names belong to Microsoft Graph; OIDC scopes compare case-insensitively.
        r.resource = graphApp();
        r.name = kOidcScopes.contains(scope.toLower()) ? scope.toLower() : scope;
    } else {
        const QString resource = scope.left(slash);
        r.name = scope.mid(slash + 1);
        r.resource = findResource(resource);
        if (!r.resource) {
            fail(error, QStringLiteral("the resource \"%1\" is not registered in the tenant").arg(resource));
            return std::nullopt;
        }
    }
    if (!r.resource) {
        fail(error, QStringLiteral("the scope \"%1\" names no known resource").arg(scope));
        return std::nullopt;
    }
    if (r.name != QLatin1String(".default") && !r.resource->scopes.contains(r.name)) {
        fail(error,
            QStringLiteral("the scope \"%1\" is not valid: %2 exposes no scope \"%3\"")
                .arg(scope, r.resource->displayName, r.name));
        return std::nullopt;
    }
    return r;
}

QStringList Scenario::consentedScopes(
    const QString& userOid, const QString& clientAppId, const QString& resourceAppId) const
{
    QStringList out;
    for (const LabConsent& c : consents) {
        if ((c.userOid.isEmpty() || c.userOid.compare(userOid, Qt::CaseInsensitive) == 0)
            && c.clientAppId.compare(clientAppId, Qt::CaseInsensitive) == 0
            && c.resourceAppId.compare(resourceAppId, Qt::CaseInsensitive) == 0) {
            for (const QString& s : c.scopes) {
                if (!out.contains(s))
                    out.append(s);
            }
        }
    }
    return out;
}

void Scenario::grantConsent(
    const QString& userOid, const QString& clientAppId, const QString& resourceAppId, const QStringList& scopes)
{
    for (LabConsent& c : consents) {
        if (c.userOid.compare(userOid, Qt::CaseInsensitive) == 0
            && c.clientAppId.compare(clientAppId, Qt::CaseInsensitive) == 0
            && c.resourceAppId.compare(resourceAppId, Qt::CaseInsensitive) == 0) {
            for (const QString& s : scopes) {
                if (!c.scopes.contains(s))
                    c.scopes.append(s);
            }
            return;
        }
    }
    consents.push_back(LabConsent { userOid, clientAppId, resourceAppId, scopes });
}

void Scenario::revokeConsent(const QString& userOid, const QString& clientAppId, const QString& resourceAppId)
{
    std::erase_if(consents, [&](const LabConsent& c) {
        return !c.userOid.isEmpty() && c.userOid.compare(userOid, Qt::CaseInsensitive) == 0
            && c.clientAppId.compare(clientAppId, Qt::CaseInsensitive) == 0
            && (resourceAppId.isEmpty() || c.resourceAppId.compare(resourceAppId, Qt::CaseInsensitive) == 0);
    });
}

QStringList Scenario::rolesFor(const QString& userOid, const QString& appKeyOrId) const
{
    const LabUser* user = findUser(userOid);
    const LabApp* app = findApp(appKeyOrId);
    if (!user || !app)
        return {};
    QStringList roles = user->roles.value(app->key);
    roles.append(user->roles.value(app->appId));
    roles.removeDuplicates();
    return roles;
}

} // namespace lanyard::lab
