// SPDX-License-Identifier: MIT
#pragma once

#include "config/Config.h"
#include "protocol/McpClient.h"
#include "session/ServerSession.h"
#include "util/Error.h"
#include "util/Json.h"

#include <QList>
#include <QObject>
#include <QStringList>

#include <functional>
#include <optional>

class QNetworkAccessManager;

namespace lanyard {

// Servers found in another client's configuration file.
struct ServerImport
{
    QString format; // "VS Code", "Claude Desktop", "Cursor", "Lanyard"
    QList<ServerConfig> servers; // valid Lanyard server configurations
    QStringList notes; // plain-language notes: what was skipped or changed, and why
};

// Owns the configuration and one ServerSession per configured server. Adding, editing and removing
// servers saves the file (atomically, through ConfigStore); a file that failed to load is never
// written.
class SessionManager : public QObject
{
    Q_OBJECT
public:
    using ElicitationHandler = std::function<void(
        ServerSession* session, const json& params, std::function<void(const json& result)> reply)>;

    explicit SessionManager(QObject* parent = nullptr);
    ~SessionManager() override;

    // Loads `path`. A missing file gives an empty configuration that is created on the first save.
    // A file that exists but fails to load: returns false with *error set, no sessions, and
    // canSave() stays false, so the file is never overwritten.
    bool load(const QString& path, Error* error);
    // Uses a configuration as is (no file is read; saving goes to config.path if set).
    void setConfig(const Config& config);

    const Config& config() const { return m_config; }
    QString configPath() const { return m_config.path; }
    bool canSave() const { return !m_loadError.isError(); }
    const Error& loadError() const { return m_loadError; }

    int count() const { return int(m_sessions.size()); }
    ServerSession* at(int index) const;
    ServerSession* session(const QString& name) const;
    int indexOf(const ServerSession* session) const;
    const QList<ServerSession*>& sessions() const { return m_sessions; }

    // Validates a server object exactly as the configuration file is validated, plus: the name
    // must not be used by another server (originalName: the server being edited, if any).
    std::optional<ServerConfig> validateServer(const json& server, const QString& originalName, Error* error) const;

    bool addServer(const ServerConfig& server, Error* error);
    bool updateServer(const QString& name, const ServerConfig& server, Error* error);
    bool removeServer(const QString& name, Error* error);

    // Reads VS Code mcp.json ("servers"), Claude Desktop / Cursor ("mcpServers") or a Lanyard
    // file. Names already used (takenNames) are renamed with a suffix and noted.
    static std::optional<ServerImport> parseImport(
        const QByteArray& bytes, const QString& path, const QStringList& takenNames, Error* error);
    // The named servers (all when empty) as a Lanyard configuration document.
    json exportDocument(const QStringList& names = {}) const;
    // The named servers in VS Code's mcp.json form ({"servers": {...}}).
    json exportVsCode(const QStringList& names = {}) const;

    void setNetworkAccessManager(QNetworkAccessManager* network);
    void setClientOptions(const ClientOptions& options);
    void setElicitationHandler(ElicitationHandler handler);
    void setKeepAliveMs(int ms);

public slots:
    void connectAll();
    void disconnectAll();

signals:
    void sessionAdded(int index);
    void sessionAboutToBeRemoved(int index);
    void sessionRemoved(int index);
    void sessionsReset();
    // Something shown in the server list changed (state, error, name, auth).
    void sessionChanged(int index);
    void configSaved();

private:
    ServerSession* createSession(const ServerConfig& config);
    void clearSessions();
    bool saveWith(const Config& changed, Error* error);

    Config m_config;
    Error m_loadError;
    QList<ServerSession*> m_sessions;
    QNetworkAccessManager* m_network = nullptr;
    ClientOptions m_clientOptions;
    ElicitationHandler m_elicitationHandler;
    int m_keepAliveMs = 30000;
};

} // namespace lanyard
