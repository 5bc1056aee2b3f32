// SPDX-License-Identifier: MIT
#pragma once

#include "protocol/JsonRpcConnection.h"
#include "util/Error.h"
#include "util/Json.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QStringList>

#include <functional>

namespace lanyard {

class Transport;

struct ClientOptions
{
    QString name = QStringLiteral("lanyard");
    QString title = QStringLiteral("Lanyard");
    QString version; // defaults to LANYARD_VERSION
    json roots = json::array(); // [{ "uri": "file:///...", "name": "..." }]; empty → capability not declared
    bool elicitation = true; // declare elicitation (form mode)
    RequestOptions requestDefaults; // timeouts for every request
    int maxListPages = 10000; // guard against a server that pages forever
};

struct ServerInfo
{
    QString protocolVersion;
    json implementation; // serverInfo { name, version, title }
    json capabilities;
    QString instructions;
};

// How a tool result compares with the tool's outputSchema.
struct ToolResultCheck
{
    enum class Schema { NoSchema, Valid, Invalid, NotFullyChecked, MissingStructuredContent };
    bool isError = false;
    Schema schema = Schema::NoSchema;
    QStringList issues; // plain-language validation messages
    QString summary() const;
};

// The client side of MCP: initialize handshake with version negotiation, one method per request,
// paging, notifications, and the client features the server may call (roots, elicitation, ping).
class McpClient : public QObject
{
    Q_OBJECT
public:
    enum class State { Disconnected, Connecting, Connected, Failed };
    Q_ENUM(State)

    using ElicitationHandler = std::function<void(const json& params, std::function<void(const json& result)> reply)>;

    // Takes ownership of the transport.
    McpClient(Transport* transport, ClientOptions options = {}, QObject* parent = nullptr);
    ~McpClient() override;

    static QString latestProtocolVersion();
    static QStringList supportedProtocolVersions();

    void connectToServer();
    void close();

    State state() const { return m_state; }
    const ServerInfo& serverInfo() const { return m_serverInfo; }
    Transport* transport() const { return m_transport; }
    JsonRpcConnection* connection() const { return m_rpc; }
    const ClientOptions& options() const { return m_options; }
    void setRequestDefaults(const RequestOptions& o) { m_options.requestDefaults = o; }

    // Any request, with the client's default timeouts merged in and one transparent retry after the
    // server forgot our session (HTTP 404 → initialize again).
    PendingRequest* request(const QString& method, const json& params = json());
    PendingRequest* request(const QString& method, const json& params, const RequestOptions& options);

    // Every page through nextCursor. Result: { "<itemsKey>": [...all items...], "pages": N }.
    PendingRequest* listAll(const QString& method, const QString& itemsKey, const json& params = json::object());
    // Every page through nextCursor, each page's items handed to `onPage` as it arrives and not
    // kept (10,000 tools are about 25 MB as a DOM). Result: { "pages": N }.
    // `page` counts from 0; `last` is true for the page without a nextCursor.
    using PageHandler = std::function<void(const json& items, int page, bool last)>;
    PendingRequest* listAllPages(
        const QString& method, const QString& itemsKey, PageHandler onPage, const json& params = json::object());
    PendingRequest* listTools() { return listAll(QStringLiteral("tools/list"), QStringLiteral("tools")); }
    PendingRequest* listResources() { return listAll(QStringLiteral("resources/list"), QStringLiteral("resources")); }
    PendingRequest* listResourceTemplates()
    {
        return listAll(QStringLiteral("resources/templates/list"), QStringLiteral("resourceTemplates"));
    }
    PendingRequest* listPrompts() { return listAll(QStringLiteral("prompts/list"), QStringLiteral("prompts")); }

    PendingRequest* callTool(const QString& name, const json& arguments, RequestOptions options);
    PendingRequest* callTool(const QString& name, const json& arguments);
    PendingRequest* readResource(const QString& uri);
    PendingRequest* subscribeResource(const QString& uri);
    PendingRequest* unsubscribeResource(const QString& uri);
    PendingRequest* getPrompt(const QString& name, const json& arguments = json::object());
    // ref: {"type":"ref/prompt","name":...} or {"type":"ref/resource","uri":...}
    PendingRequest* complete(
        const json& ref, const QString& argumentName, const QString& value, const json& contextArguments = json());
    PendingRequest* setLoggingLevel(const QString& level);
    PendingRequest* ping();

    // Name, title, outputSchema and annotations of a tool from the last complete tools/list
    // (empty object when unknown).
    json toolByName(const QString& name) const;
    // Compare a tools/call result with the tool's outputSchema.
    static ToolResultCheck checkToolResult(const json& result, const json& tool);

    void setElicitationHandler(ElicitationHandler handler) { m_elicitationHandler = std::move(handler); }
    void setRoots(const json& roots);

signals:
    void stateChanged(lanyard::McpClient::State state);
    void ready();
    void errorOccurred(const lanyard::Error& error);
    void toolsListChanged();
    void resourcesListChanged();
    void promptsListChanged();
    void resourceUpdated(const QString& uri);
    void logMessage(const QString& level, const QString& logger, const lanyard::json& data);
    void notificationReceived(const QString& method, const lanyard::json& params);
    void protocolError(const lanyard::Error& error);

private:
    void setState(State s);
    void sendInitialize(std::function<void(const Error&)> done);
    json clientCapabilities() const;
    void issue(
        PendingRequest* outer, const QString& method, const json& params, const RequestOptions& options, bool mayRetry);
    struct Listing; // one listAll / listAllPages in progress
    void fetchPage(PendingRequest* outer, std::shared_ptr<Listing> listing, json params, int page, QString lastCursor);

    Transport* m_transport;
    JsonRpcConnection* m_rpc;
    ClientOptions m_options;
    State m_state = State::Disconnected;
    ServerInfo m_serverInfo;
    ElicitationHandler m_elicitationHandler;
    QHash<QString, json> m_tools;
    bool m_reinitializing = false;
    QList<std::function<void(const Error&)>> m_afterReinit;
};

} // namespace lanyard
