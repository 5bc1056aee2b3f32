// SPDX-License-Identifier: MIT
#pragma once

#include "util/Error.h"
#include "util/Json.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QMap>
#include <QPair>
#include <QString>
#include <QStringList>
#include <QUrl>

#include <optional>

namespace lanyard {

// How a server gets its identity. "none" and "bearer" are handled by the protocol core;
// the identity modes (entra, token-exchange, oauth, cross-app-access) by core/auth.
struct AuthConfig
{
    QString type = QStringLiteral("none");
    QString env;          // bearer: environment variable holding the token
    QString keychain;     // bearer: keychain entry holding the token
    QString header = QStringLiteral("Authorization");
    json raw = json::object(); // the whole block, for the identity strategies
};

struct ServerConfig
{
    QString name;
    QUrl url;                          // Streamable HTTP endpoint, or
    QString command;                   // stdio: program
    QStringList args;
    QMap<QString, QString> env;
    QString workingDirectory;
    QList<QPair<QByteArray, QByteArray>> headers; // extra static headers (no secrets: see auth)
    AuthConfig auth;
    double timeoutSeconds = 60;        // per request (reset on progress for tool calls)
    double maxTotalSeconds = 0;        // hard maximum for one tool call; 0 = none
    qint64 maxMessageBytes = 64ll * 1024 * 1024;
    json roots = json::array();
    bool enabled = true;
    json raw = json::object();

    bool isStdio() const { return !command.isEmpty(); }
};

struct Config
{
    QString path;                      // file it came from (empty for inline/ad hoc)
    QList<ServerConfig> servers;
    json identity = json::object();    // sign-in settings (identity issue)
    json raw = json::object();         // the whole document, unknown keys kept on save
    QDateTime loadedModified;          // file mtime at load, to refuse overwriting a changed file

    const ServerConfig* server(const QString& name) const;
};

// Reads, validates and atomically writes the JSON config. Every error names the file, the key
// (or line and column) and what to do; a file that fails to load is never written over.
class ConfigStore
{
public:
    static QString defaultPath();
    static std::optional<Config> load(const QString& path, Error* error);
    // Parse and validate a document (path is only used in messages).
    static std::optional<Config> parse(const QByteArray& bytes, const QString& path, Error* error);
    static std::optional<ServerConfig> parseServer(const json& j, const QString& where, Error* error);
    // Atomic save (QSaveFile), previous version kept as <file>.bak. Refuses when the file changed on
    // disk since it was loaded (unless force), so nothing is overwritten silently.
    static bool save(Config& config, Error* error, bool force = false);
    static json toJson(const ServerConfig& server);
    static json toJson(const Config& config);
    static QStringList knownAuthTypes();
};

} // namespace lanyard
