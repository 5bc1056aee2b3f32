// SPDX-License-Identifier: MIT
#pragma once

#include "config/Config.h"
#include "protocol/McpClient.h"
#include "protocol/Transport.h"
#include "util/Error.h"
#include "util/Json.h"

#include <QDateTime>
#include <QList>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QTimer>

class QNetworkAccessManager;

namespace lanyard {

class TokenProvider;

// One tools/call made through a session, for the per-server call history.
struct CallRecord
{
    enum class Outcome { Running, Ok, ToolError, Failed, Cancelled };
    quint64 serial = 0;
    QString tool;
    json arguments = json::object();
    QDateTime startedAt;
    qint64 durationMs = -1;
    Outcome outcome = Outcome::Running;
    QString summary; // plain language: "ok", the error's message, ...
    Error::Kind errorKind = Error::Kind::None; // why it failed (Auth = refused by the server's auth)
    int errorCode = 0; // the JSON-RPC error code (or HTTP status) of a failure, where there is one
    QString reason; // the server's own words for a refusal or tool error (first text, shortened)
};

// One configured MCP server as the desktop app sees it: the McpClient, the connection state, the
// last error, cached lists (tools, resources, templates, prompts; refreshed on list_changed), a
// bounded traffic log and the call history. Widget-free; every wait is asynchronous.
class ServerSession : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Connected, Error };
    Q_ENUM(State)

    explicit ServerSession(ServerConfig config, QObject* parent = nullptr);
    ~ServerSession() override;

    const ServerConfig& config() const { return m_config; }
    QString name() const { return m_config.name; }
    // The identity mode from the configuration ("none", "bearer", "entra", ...).
    QString authStrategy() const { return m_config.auth.type; }
    // Replaces the configuration; a connected session reconnects with the new one.
    void setConfig(const ServerConfig& config);

    State state() const { return m_state; }
    static QString stateName(State state);
    // The error that put the session into State::Error (or the last failure while connected).
    const Error& lastError() const { return m_lastError; }
    // True after a connected session lost its server (not after a failed first connect).
    bool connectionLost() const { return m_connectionLost; }
    McpClient* client() const { return m_client; }
    // The provider that supplies this server's Authorization header (null when not connected or
    // when the server needs none). Read-only: for showing which token the server gets.
    TokenProvider* tokenProvider() const;
    ServerInfo serverInfo() const;
    bool isRefreshing() const { return m_refreshPending > 0; }

    // The tools arrive page by page (toolsReset with the first page, toolsAppended for each further
    // one, toolsChanged when the list is complete), so that 10,000 tools never stall the UI thread.
    const json& tools() const { return m_tools; }
    bool toolsComplete() const { return m_toolsComplete; }
    const json& resources() const { return m_resources; }
    const json& resourceTemplates() const { return m_templates; }
    const json& prompts() const { return m_prompts; }
    // The tool named `name` (an empty object when the server does not list it). Looked up through an
    // index kept beside the list: the access matrix asks this per cell, of up to 10,000 tools.
    json tool(const QString& name) const;
    bool hasTool(const QString& name) const;
    json prompt(const QString& name) const;

    const QList<TrafficRecord>& traffic() const { return m_traffic; }
    void clearTraffic();
    void setMaxTrafficRecords(int count) { m_maxTraffic = qMax(10, count); }
    int maxTrafficRecords() const { return m_maxTraffic; }

    const QList<CallRecord>& history() const { return m_history; }
    void setMaxHistory(int count) { m_maxHistory = qMax(1, count); }

    // Shared network access manager (not owned; must outlive the session). Optional.
    void setNetworkAccessManager(QNetworkAccessManager* network) { m_network = network; }
    void setClientOptions(const ClientOptions& options) { m_clientOptions = options; }
    // Who answers elicitation/create for this server (applied to every client this session creates).
    void setElicitationHandler(McpClient::ElicitationHandler handler);
    // Ping the server this often while connected so that a server that went away is noticed
    // (0 = never). Default 30 s.
    void setKeepAliveMs(int ms);

    // Requests. When not connected they fail (asynchronously) with a plain-language error.
    // A request that fails because the server is unreachable marks the connection as lost.
    PendingRequest* callTool(const QString& name, const json& arguments);
    PendingRequest* readResource(const QString& uri);
    PendingRequest* subscribeResource(const QString& uri);
    PendingRequest* unsubscribeResource(const QString& uri);
    bool isSubscribed(const QString& uri) const { return m_subscriptions.contains(uri); }
    PendingRequest* getPrompt(const QString& name, const json& arguments);
    PendingRequest* complete(
        const json& ref, const QString& argumentName, const QString& value, const json& contextArguments = json());

    // Whether the server declared the capability in its initialize answer.
    bool hasCapability(const char* name) const;

public slots:
    void connectToServer();
    void disconnectFromServer();
    void reconnect();
    // Fetches every list the server offers again.
    void refresh();

signals:
    void stateChanged(lanyard::ServerSession::State state);
    // Something failed; `error.message` is fit for the message bar.
    void errorOccurred(const lanyard::Error& error);
    void connectionLostChanged(bool lost);
    void refreshingChanged(bool refreshing);
    // The tool list is complete (after a refresh or list_changed).
    void toolsChanged();
    // The tool list was replaced by its first page.
    void toolsReset();
    // `count` tools were appended at index `first`.
    void toolsAppended(int first, int count);
    void resourcesChanged();
    void resourceTemplatesChanged();
    void promptsChanged();
    void resourceUpdated(const QString& uri);
    void subscriptionsChanged();
    void trafficRecorded(const lanyard::TrafficRecord& record);
    // The oldest `count` records were dropped to keep the log bounded.
    void trafficTrimmed(int count);
    void trafficCleared();
    void historyAppended();
    void historyUpdated(int index);
    void historyTrimmed(int count);
    void logMessageReceived(const QString& level, const QString& logger, const lanyard::json& data);

private:
    void indexTools(qsizetype from);
    void setState(State state);
    void setLost(bool lost);
    void destroyClient();
    void onClientStateChanged(McpClient::State state);
    void onTraffic(TrafficRecord record);
    void markLost(const Error& error);
    PendingRequest* failedRequest(const QString& method, const Error& error);
    PendingRequest* track(PendingRequest* request);
    void fetchList(const QString& which);
    void fetchToolsPage(const QString& cursor, quint64 listGeneration, int page);
    void listFetched(const QString& which, const json& items);
    Error notConnectedError(const QString& what) const;

    ServerConfig m_config;
    QPointer<McpClient> m_client;
    QNetworkAccessManager* m_network = nullptr;
    ClientOptions m_clientOptions;
    McpClient::ElicitationHandler m_elicitationHandler;
    State m_state = State::Disconnected;
    Error m_lastError;
    bool m_connectionLost = false;
    bool m_closing = false;
    quint64 m_generation = 0;
    int m_refreshPending = 0;

    json m_tools = json::array();
    QHash<QString, qsizetype> m_toolIndex; // name -> position in m_tools (first one listed)
    bool m_toolsComplete = false;
    quint64 m_toolsGeneration = 0;
    json m_resources = json::array();
    json m_templates = json::array();
    json m_prompts = json::array();
    QSet<QString> m_subscriptions;

    QList<TrafficRecord> m_traffic;
    int m_maxTraffic = 5000;
    QList<CallRecord> m_history;
    int m_maxHistory = 200;
    quint64 m_nextCallSerial = 1;

    QTimer m_keepAlive;
    bool m_pingInFlight = false;
};

} // namespace lanyard
