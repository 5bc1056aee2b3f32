// SPDX-License-Identifier: MIT
#pragma once

#include "config/Config.h"
#include "protocol/McpClient.h"
#include "util/Json.h"

#include <QObject>
#include <QPointer>
#include <QStringList>

namespace lanyard::cli {

// Arguments that satisfy a tool's input schema: each required property gets its default, its
// first enum value, or a plain value of its type.
json sampleArguments(const json& inputSchema);

// `lanyard-cli conformance URL`: the client command for the official MCP conformance suite.
// It reads MCP_CONFORMANCE_SCENARIO (and MCP_CONFORMANCE_CONTEXT where a scenario has
// credentials), connects to URL, and does what the scenario expects headlessly: initialize, list
// the tools and call each one, answering elicitation with the schema's defaults.
class ConformanceRunner : public QObject
{
    Q_OBJECT
public:
    ConformanceRunner(QStringList arguments, QObject* parent = nullptr);
    void start();

signals:
    void finished(int exitCode);

private:
    void callNext();
    void configureAuthScenario(ServerConfig* server);
    void done(int code, const QString& message = QString());

    QStringList m_arguments;
    QString m_scenario;
    QPointer<McpClient> m_client;
    json m_tools = json::array();
    size_t m_next = 0;
};

} // namespace lanyard::cli
