// SPDX-License-Identifier: MIT
#include "config/Config.h"

#include "util/Logging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStandardPaths>

namespace lanyard {

namespace {

Error configError(const QString& path, const QString& where, const QString& problem)
{
    const QString file = path.isEmpty() ? QObject::tr("the configuration") : path;
    const QString msg = where.isEmpty() ? QObject::tr("%1: %2").arg(file, problem)
                                        : QObject::tr("%1: %2: %3").arg(file, where, problem);
    return Error(Error::Kind::Config, msg);
}

const char* typeName(const json& j)
{
    return j.type_name();
}

bool readString(const json& obj, const char* key, QString* out, const QString& where, const QString& path, Error* error,
                bool required = false)
{
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) {
        if (required) {
            *error = configError(path, where, QObject::tr("\"%1\" is required").arg(QLatin1String(key)));
            return false;
        }
        return true;
    }
    if (!it->is_string()) {
        *error = configError(path, QStringLiteral("%1.%2").arg(where, QLatin1String(key)),
                             QObject::tr("must be a string, not %1").arg(QLatin1String(typeName(*it))));
        return false;
    }
    *out = QString::fromStdString(it->get<std::string>());
    return true;
}

constexpr double kMaxSeconds = 1000000; // 11.5 days; as int milliseconds well below 2^31
constexpr double kMaxMessageMB = 1048576; // 1 TiB

// `max` keeps what is derived from the number representable (timeouts become int milliseconds,
// sizes qint64 bytes): a converted out-of-range double is undefined behaviour.
bool readNumber(const json& obj, const char* key, double* out, double min, double max, const QString& where,
                const QString& path, Error* error)
{
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null())
        return true;
    if (!it->is_number() || !(it->get<double>() >= min) || !(it->get<double>() <= max)) {
        *error = configError(path, QStringLiteral("%1.%2").arg(where, QLatin1String(key)),
                             QObject::tr("must be a number from %1 to %2").arg(min).arg(max, 0, 'f', 0));
        return false;
    }
    *out = it->get<double>();
    return true;
}

} // namespace

const ServerConfig* Config::server(const QString& name) const
{
    for (const auto& s : servers) {
        if (s.name == name)
            return &s;
    }
    return nullptr;
}

QString ConfigStore::defaultPath()
{
    const QString env = qEnvironmentVariable("LANYARD_CONFIG");
    if (!env.isEmpty())
        return env;
    QString dir = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation);
    if (dir.isEmpty())
        dir = QDir::homePath() + QStringLiteral("/.config");
    return dir + QStringLiteral("/lanyard/config.json");
}

QStringList ConfigStore::knownAuthTypes()
{
    return {QStringLiteral("none"), QStringLiteral("bearer"), QStringLiteral("entra"), QStringLiteral("token-exchange"),
            QStringLiteral("oauth"), QStringLiteral("cross-app-access")};
}

std::optional<Config> ConfigStore::load(const QString& path, Error* error)
{
    Error local;
    Error* err = error ? error : &local;
    QFile file(path);
    if (!file.exists()) {
        *err = configError(path, QString(),
                           QObject::tr("no such file. Create it (see docs/config.md), or pass another one with --config."));
        return std::nullopt;
    }
    if (!file.open(QIODevice::ReadOnly)) {
        *err = configError(path, QString(), QObject::tr("cannot be read (%1). Check its permissions.").arg(file.errorString()));
        return std::nullopt;
    }
    if (file.size() > 16 * 1024 * 1024) {
        *err = configError(path, QString(), QObject::tr("is larger than 16 MiB; that is not a Lanyard configuration."));
        return std::nullopt;
    }
    const QByteArray bytes = file.readAll();
    auto config = parse(bytes, path, err);
    if (config)
        config->loadedModified = QFileInfo(path).lastModified();
    return config;
}

std::optional<Config> ConfigStore::parse(const QByteArray& bytes, const QString& path, Error* error)
{
    Error local;
    Error* err = error ? error : &local;
    json doc = json::parse(bytes.constBegin(), bytes.constEnd(), nullptr, false);
    if (doc.is_discarded()) {
        const auto [line, col] = jsonErrorLocation(bytes);
        *err = configError(path, QObject::tr("line %1, column %2").arg(line).arg(col),
                           QObject::tr("not valid JSON. Fix the syntax there (a missing comma or quote is common)."));
        return std::nullopt;
    }
    if (!doc.is_object()) {
        *err = configError(path, QString(), QObject::tr("the top level must be a JSON object like {\"servers\": [...]}."));
        return std::nullopt;
    }
    Config config;
    config.path = path;
    config.raw = doc;
    if (doc.contains("identity")) {
        if (!doc["identity"].is_object()) {
            *err = configError(path, QStringLiteral("identity"), QObject::tr("must be an object"));
            return std::nullopt;
        }
        config.identity = doc["identity"];
    }
    if (doc.contains("servers")) {
        const json& servers = doc["servers"];
        if (!servers.is_array()) {
            *err = configError(path, QStringLiteral("servers"), QObject::tr("must be a list of server objects"));
            return std::nullopt;
        }
        QStringList names;
        for (size_t i = 0; i < servers.size(); ++i) {
            const QString where = QStringLiteral("servers[%1]").arg(i);
            Error e;
            auto server = parseServer(servers[i], where, &e);
            if (!server) {
                // Prefix the file to what parseServer found.
                *err = configError(path, QString(), e.message);
                return std::nullopt;
            }
            if (names.contains(server->name)) {
                *err = configError(path, where + QStringLiteral(".name"),
                                   QObject::tr("\"%1\" is used by two servers; names must be unique").arg(server->name));
                return std::nullopt;
            }
            names << server->name;
            config.servers << *server;
        }
    }
    return config;
}

std::optional<ServerConfig> ConfigStore::parseServer(const json& j, const QString& where, Error* error)
{
    const QString path; // messages from here carry the key path; the caller adds the file
    if (!j.is_object()) {
        *error = configError(path, where, QObject::tr("must be an object"));
        return std::nullopt;
    }
    ServerConfig s;
    s.raw = j;
    if (!readString(j, "name", &s.name, where, path, error, true))
        return std::nullopt;
    static const QRegularExpression nameRe(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"));
    if (!nameRe.match(s.name).hasMatch()) {
        *error = configError(path, where + QStringLiteral(".name"),
                             QObject::tr("\"%1\" is not a usable name: use letters, digits, '.', '_' or '-' (at most 64)")
                                 .arg(s.name.left(80)));
        return std::nullopt;
    }
    const QString at = QStringLiteral("%1 (\"%2\")").arg(where, s.name);
    QString url;
    if (!readString(j, "url", &url, at, path, error) || !readString(j, "command", &s.command, at, path, error)
        || !readString(j, "cwd", &s.workingDirectory, at, path, error))
        return std::nullopt;
    if (url.isEmpty() == s.command.isEmpty()) {
        *error = configError(path, at, QObject::tr("give either \"url\" (Streamable HTTP) or \"command\" (stdio), not %1")
                                           .arg(url.isEmpty() ? QObject::tr("neither") : QObject::tr("both")));
        return std::nullopt;
    }
    if (!url.isEmpty()) {
        s.url = QUrl(url, QUrl::StrictMode);
        const QString scheme = s.url.scheme();
        if (!s.url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https")) || s.url.host().isEmpty()) {
            *error = configError(path, at + QStringLiteral(".url"),
                                 QObject::tr("\"%1\" is not an http(s) URL like https://example.com/mcp").arg(url.left(200)));
            return std::nullopt;
        }
        if (!s.url.userInfo().isEmpty()) {
            *error = configError(path, at + QStringLiteral(".url"),
                                 QObject::tr("must not contain a user name or password; use an \"auth\" block instead"));
            return std::nullopt;
        }
    }
    if (j.contains("args")) {
        if (!j["args"].is_array()) {
            *error = configError(path, at + QStringLiteral(".args"), QObject::tr("must be a list of strings"));
            return std::nullopt;
        }
        for (const auto& a : j["args"]) {
            if (!a.is_string()) {
                *error = configError(path, at + QStringLiteral(".args"), QObject::tr("must be a list of strings"));
                return std::nullopt;
            }
            s.args << QString::fromStdString(a.get<std::string>());
        }
    }
    for (const char* key : {"env", "headers"}) {
        if (!j.contains(key))
            continue;
        const json& m = j[key];
        if (!m.is_object()) {
            *error = configError(path, at + QLatin1Char('.') + QLatin1String(key), QObject::tr("must be an object of strings"));
            return std::nullopt;
        }
        for (auto it = m.begin(); it != m.end(); ++it) {
            if (!it->is_string()) {
                *error = configError(path, QStringLiteral("%1.%2.%3").arg(at, QLatin1String(key), QString::fromStdString(it.key())),
                                     QObject::tr("must be a string"));
                return std::nullopt;
            }
            const QString k = QString::fromStdString(it.key());
            const QString v = QString::fromStdString(it->get<std::string>());
            if (qstrcmp(key, "env") == 0) {
                s.env.insert(k, v);
            } else {
                if (k.compare(QLatin1String("Authorization"), Qt::CaseInsensitive) == 0) {
                    *error = configError(path, QStringLiteral("%1.headers.%2").arg(at, k),
                                         QObject::tr("secrets do not belong in the config file; use \"auth\": {\"type\": "
                                                     "\"bearer\", \"env\": \"VARIABLE\"} (or \"keychain\") instead"));
                    return std::nullopt;
                }
                s.headers.append({k.toUtf8(), v.toUtf8()});
            }
        }
    }
    if (!readNumber(j, "timeoutSeconds", &s.timeoutSeconds, 0.1, kMaxSeconds, at, path, error)
        || !readNumber(j, "maxTotalSeconds", &s.maxTotalSeconds, 0, kMaxSeconds, at, path, error))
        return std::nullopt;
    double maxMb = static_cast<double>(s.maxMessageBytes) / (1024.0 * 1024.0);
    if (!readNumber(j, "maxMessageMB", &maxMb, 0.001, kMaxMessageMB, at, path, error))
        return std::nullopt;
    s.maxMessageBytes = static_cast<qint64>(maxMb * 1024 * 1024);
    if (j.contains("enabled")) {
        if (!j["enabled"].is_boolean()) {
            *error = configError(path, at + QStringLiteral(".enabled"), QObject::tr("must be true or false"));
            return std::nullopt;
        }
        s.enabled = j["enabled"].get<bool>();
    }
    if (j.contains("roots")) {
        if (!j["roots"].is_array()) {
            *error = configError(path, at + QStringLiteral(".roots"), QObject::tr("must be a list of {\"uri\": \"file:///...\"}"));
            return std::nullopt;
        }
        for (const auto& r : j["roots"]) {
            if (!r.is_object() || !r.contains("uri") || !r["uri"].is_string()
                || !QString::fromStdString(r["uri"].get<std::string>()).startsWith(QLatin1String("file://"))) {
                *error = configError(path, at + QStringLiteral(".roots"),
                                     QObject::tr("each root needs a \"uri\" starting with file://"));
                return std::nullopt;
            }
        }
        s.roots = j["roots"];
    }
    if (j.contains("auth")) {
        const json& a = j["auth"];
        if (a.is_string()) {
            s.auth.type = QString::fromStdString(a.get<std::string>());
            s.auth.raw = json{{"type", a}};
        } else if (a.is_object()) {
            s.auth.raw = a;
            if (!readString(a, "type", &s.auth.type, at + QStringLiteral(".auth"), path, error, true)
                || !readString(a, "env", &s.auth.env, at + QStringLiteral(".auth"), path, error)
                || !readString(a, "keychain", &s.auth.keychain, at + QStringLiteral(".auth"), path, error)
                || !readString(a, "header", &s.auth.header, at + QStringLiteral(".auth"), path, error))
                return std::nullopt;
        } else {
            *error = configError(path, at + QStringLiteral(".auth"), QObject::tr("must be an object like {\"type\": \"none\"}"));
            return std::nullopt;
        }
        if (!knownAuthTypes().contains(s.auth.type)) {
            *error = configError(path, at + QStringLiteral(".auth.type"),
                                 QObject::tr("\"%1\" is not an identity mode; use one of %2")
                                     .arg(s.auth.type.left(40), knownAuthTypes().join(QStringLiteral(", "))));
            return std::nullopt;
        }
        for (const char* secretKey : {"token", "clientSecret", "client_secret", "password", "secret"}) {
            if (s.auth.raw.contains(secretKey)) {
                *error = configError(path, QStringLiteral("%1.auth.%2").arg(at, QLatin1String(secretKey)),
                                     QObject::tr("secrets do not belong in the config file; name an environment variable "
                                                 "(\"env\": \"VARIABLE\") or a keychain entry (\"keychain\": \"name\")"));
                return std::nullopt;
            }
        }
        if (s.auth.type == QLatin1String("bearer") && s.auth.env.isEmpty() && s.auth.keychain.isEmpty()) {
            *error = configError(path, at + QStringLiteral(".auth"),
                                 QObject::tr("a bearer token needs \"env\" (environment variable) or \"keychain\" (entry name)"));
            return std::nullopt;
        }
    }
    return s;
}

json ConfigStore::toJson(const ServerConfig& s)
{
    json j = s.raw.is_object() ? s.raw : json::object();
    j["name"] = s.name.toStdString();
    if (s.isStdio()) {
        j.erase("url");
        j["command"] = s.command.toStdString();
        json args = json::array();
        for (const auto& a : s.args)
            args.push_back(a.toStdString());
        j["args"] = args;
        if (!s.env.isEmpty()) {
            json env = json::object();
            for (auto it = s.env.cbegin(); it != s.env.cend(); ++it)
                env[it.key().toStdString()] = it.value().toStdString();
            j["env"] = env;
        } else {
            j.erase("env");
        }
    } else {
        j.erase("command");
        j.erase("args");
        j["url"] = s.url.toString().toStdString();
    }
    if (!s.headers.isEmpty()) {
        json h = json::object();
        for (const auto& [k, v] : s.headers)
            h[k.toStdString()] = v.toStdString();
        j["headers"] = h;
    } else {
        j.erase("headers");
    }
    json auth = s.auth.raw.is_object() ? s.auth.raw : json::object();
    auth["type"] = s.auth.type.toStdString();
    if (!s.auth.env.isEmpty())
        auth["env"] = s.auth.env.toStdString();
    if (!s.auth.keychain.isEmpty())
        auth["keychain"] = s.auth.keychain.toStdString();
    j["auth"] = auth;
    j["timeoutSeconds"] = s.timeoutSeconds;
    if (!s.enabled)
        j["enabled"] = false;
    return j;
}

json ConfigStore::toJson(const Config& config)
{
    json doc = config.raw.is_object() ? config.raw : json::object();
    json servers = json::array();
    for (const auto& s : config.servers)
        servers.push_back(toJson(s));
    doc["servers"] = servers;
    if (!config.identity.empty())
        doc["identity"] = config.identity;
    return doc;
}

bool ConfigStore::save(Config& config, Error* error, bool force)
{
    Error local;
    Error* err = error ? error : &local;
    if (config.path.isEmpty()) {
        *err = Error(Error::Kind::Config, QObject::tr("This configuration has no file to save to."));
        return false;
    }
    const QFileInfo info(config.path);
    if (info.exists() && !force && config.loadedModified.isValid() && info.lastModified() != config.loadedModified) {
        *err = configError(config.path, QString(),
                           QObject::tr("changed on disk since Lanyard loaded it; not overwriting. Reload it, or save "
                                       "to another file."));
        return false;
    }
    if (!QDir().mkpath(info.absolutePath())) {
        *err = configError(config.path, QString(), QObject::tr("its folder cannot be created"));
        return false;
    }
    if (info.exists()) {
        const QString backup = config.path + QStringLiteral(".bak");
        QFile::remove(backup);
        if (!QFile::copy(config.path, backup)) {
            *err = configError(config.path, QString(), QObject::tr("could not keep a backup at %1; not saving").arg(backup));
            return false;
        }
    }
    QSaveFile file(config.path);
    if (!file.open(QIODevice::WriteOnly)) {
        *err = configError(config.path, QString(), QObject::tr("cannot be written (%1)").arg(file.errorString()));
        return false;
    }
    file.write(dumpJson(toJson(config), 2));
    file.write("\n");
    if (!file.commit()) {
        *err = configError(config.path, QString(), QObject::tr("could not be saved (%1); the old file is unchanged").arg(file.errorString()));
        return false;
    }
    config.loadedModified = QFileInfo(config.path).lastModified();
    qCInfo(lcConfig) << "saved configuration" << config.path;
    return true;
}

} // namespace lanyard
