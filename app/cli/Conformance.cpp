// SPDX-License-Identifier: MIT
#include "Conformance.h"

#include "ExitCode.h"

#include "auth/CredentialStore.h"
#include "auth/Identity.h"
#include "auth/Install.h"
#include "protocol/Elicitation.h"
#include "protocol/Transport.h"
#include "session/ClientFactory.h"

#include <QTextStream>
#include <QTimer>

#include <cstdio>

namespace lanyard::cli {

json sampleArguments(const json& inputSchema)
{
    json args = json::object();
    if (!inputSchema.is_object())
        return args;
    const json props = inputSchema.value("properties", json::object());
    const json required = inputSchema.value("required", json::array());
    if (!props.is_object() || !required.is_array())
        return args;
    for (const auto& nameJ : required) {
        if (!nameJ.is_string() || !props.contains(nameJ.get<std::string>()))
            continue;
        const std::string name = nameJ.get<std::string>();
        const json& p = props[name];
        if (p.contains("default")) {
            args[name] = p["default"];
            continue;
        }
        if (p.contains("enum") && p["enum"].is_array() && !p["enum"].empty()) {
            args[name] = p["enum"][0];
            continue;
        }
        std::string type = p.value("type", json("string")).is_string() ? p.value("type", std::string("string")) : "string";
        if (type == "integer")
            args[name] = 2;
        else if (type == "number")
            args[name] = 3;
        else if (type == "boolean")
            args[name] = true;
        else if (type == "array")
            args[name] = json::array();
        else if (type == "object")
            args[name] = sampleArguments(p);
        else
            args[name] = "lanyard";
    }
    return args;
}

ConformanceRunner::ConformanceRunner(QStringList arguments, QObject* parent)
    : QObject(parent), m_arguments(std::move(arguments))
{
}

void ConformanceRunner::start()
{
    m_scenario = qEnvironmentVariable("MCP_CONFORMANCE_SCENARIO");
    const QString urlText = m_arguments.isEmpty() ? QString() : m_arguments.last();
    const QUrl url(urlText, QUrl::StrictMode);
    if (!url.isValid() || !url.scheme().startsWith(QLatin1String("http"))) {
        done(ExitUsage, tr("conformance: the last argument must be the server URL, got \"%1\"").arg(urlText));
        return;
    }
    Error error;
    ClientOptions options;
    options.name = QStringLiteral("lanyard-cli");
    ServerConfig server = ClientFactory::inlineHttp(url);
    if (m_scenario.startsWith(QLatin1String("auth/")))
        configureAuthScenario(&server);
    m_client = ClientFactory::instance().create(server, options, &error, nullptr, this);
    if (!m_client) {
        done(exitCodeFor(error), error.message);
        return;
    }
    m_client->setElicitationHandler([](const json& params, std::function<void(const json&)> reply) {
        const json schema = params.value("requestedSchema", json::object());
        reply(json{{"action", "accept"}, {"content", elicitation::withDefaults(schema)}});
    });
    connect(m_client, &McpClient::errorOccurred, this, [this](const Error& e) {
        if (m_client && m_client->state() != McpClient::State::Connected)
            done(exitCodeFor(e), e.message);
    });
    connect(m_client, &McpClient::ready, this, [this] {
        PendingRequest* list = m_client->listTools();
        connect(list, &PendingRequest::failed, this, [this](const Error& e) { done(exitCodeFor(e), e.message); });
        connect(list, &PendingRequest::finished, this, [this](const json& r) {
            m_tools = r.value("tools", json::array());
            m_next = 0;
            callNext();
        });
    });
    m_client->connectToServer();
}

void ConformanceRunner::configureAuthScenario(ServerConfig* server)
{
    // The suite's credentials come as JSON in MCP_CONFORMANCE_CONTEXT. Secrets go to this
    // process's environment, never into a configuration: the auth block names the variables.
    const auto context = parseJson(qgetenv("MCP_CONFORMANCE_CONTEXT"));
    const json ctx = context && context->is_object() ? *context : json::object();
    json a = json::object();
    if (m_scenario == QLatin1String("auth/cross-app-access-complete-flow")) {
        a["type"] = "cross-app-access";
        a["clientId"] = ss(qs(ctx, "client_id"));
        a["idpClientId"] = ss(qs(ctx, "idp_client_id"));
        a["idpTokenEndpoint"] = ss(qs(ctx, "idp_token_endpoint"));
        qputenv("LANYARD_CONFORMANCE_ID_TOKEN", qs(ctx, "idp_id_token").toUtf8());
        a["idTokenEnv"] = "LANYARD_CONFORMANCE_ID_TOKEN";
    } else {
        a["type"] = "oauth";
        // The suite's authorization server redirects at once: fetch the authorization URL ourselves.
        a["fetchAuthorizationUrl"] = true;
        // The suite expects this URL as the client ID where the server supports metadata documents.
        a["clientMetadataUrl"] = "https://conformance-test.local/client-metadata.json";
        if (!qs(ctx, "client_id").isEmpty())
            a["clientId"] = ss(qs(ctx, "client_id"));
        if (m_scenario.startsWith(QLatin1String("auth/client-credentials")))
            a["grant"] = "client_credentials";
    }
    if (!qs(ctx, "client_secret").isEmpty()) {
        qputenv("LANYARD_CONFORMANCE_CLIENT_SECRET", qs(ctx, "client_secret").toUtf8());
        a["clientSecretEnv"] = "LANYARD_CONFORMANCE_CLIENT_SECRET";
    }
    if (!qs(ctx, "private_key_pem").isEmpty()) {
        qputenv("LANYARD_CONFORMANCE_PRIVATE_KEY", qs(ctx, "private_key_pem").toUtf8());
        a["privateKeyEnv"] = "LANYARD_CONFORMANCE_PRIVATE_KEY";
        a["clientAuth"] = "private_key_jwt";
    }
    server->auth.type = qs(a, "type");
    server->auth.raw = a;
    // Nothing of a test run belongs in the person's keychain.
    auth::identity()->setStore(new auth::MemoryStore());
}

void ConformanceRunner::callNext()
{
    if (m_next >= m_tools.size()) {
        done(ExitOk);
        return;
    }
    const json tool = m_tools[m_next++];
    PendingRequest* call = m_client->callTool(qs(tool, "name"), sampleArguments(tool.value("inputSchema", json::object())));
    connect(call, &PendingRequest::finished, this, [this](const json&) { callNext(); });
    connect(call, &PendingRequest::failed, this, [this](const Error& e) { done(exitCodeFor(e), e.message); });
}

void ConformanceRunner::done(int code, const QString& message)
{
    if (!message.isEmpty()) {
        QTextStream err(stderr);
        err << "lanyard-cli conformance (" << m_scenario << "): " << message << "\n";
    }
    if (m_client && m_client->state() == McpClient::State::Connected) {
        QPointer<ConformanceRunner> self(this);
        connect(m_client->transport(), &Transport::closed, this, [this, code] { emit finished(code); });
        QTimer::singleShot(2000, this, [this, code] { emit finished(code); });
        m_client->close();
        return;
    }
    emit finished(code);
}

} // namespace lanyard::cli
