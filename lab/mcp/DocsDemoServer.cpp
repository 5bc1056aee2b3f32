// SPDX-License-Identifier: MIT
#include "DemoServers.h"

#include <QDateTime>

namespace lanyard::lab {

namespace {

json annotations(const char* title)
{
    return { { "title", title }, { "readOnlyHint", true }, { "destructiveHint", false }, { "idempotentHint", true },
        { "openWorldHint", false } };
}

json textContent(const QString& text)
{
    return { { "type", "text" }, { "text", text.toStdString() } };
}

std::string base64(const QByteArray& bytes)
{
    return bytes.toBase64().toStdString();
}

QByteArray sampleBinary()
{
    QByteArray b;
    for (int i = 0; i < 256; ++i)
        b.append(char(i));
    return b;
}

const char* kSampleConfig = R"({
  "servers": [
    {"name": "hr", "url": "http://127.0.0.1:8100/mcp", "auth": {"type": "none"}},
    {"name": "docs", "url": "http://127.0.0.1:8101/mcp", "auth": {"type": "none"}}
  ]
}
)";

} // namespace

McpServerOptions DocsDemoServer::defaultOptions()
{
    McpServerOptions o;
    o.name = QStringLiteral("lab-docs");
    o.title = QStringLiteral("Lanyard Lab docs");
    o.instructions = QStringLiteral("Documentation search, plus tools that return every kind of MCP content "
                                    "(text, images, audio, links, embedded resources, structured output) "
                                    "and results of any size.");
    o.resourceName = o.title;
    o.scopesSupported = { QStringLiteral("Docs.Read") };
    return o;
}

DocsDemoServer::DocsDemoServer(McpServerOptions options, QObject* parent)
    : McpServer(std::move(options), parent)
{
    m_docs = {
        { QStringLiteral("getting-started"), QStringLiteral("Getting started"),
            QStringLiteral(
                "# Getting started\n\nAdd an MCP server to Lanyard with its URL. Lanyard connects, lists its "
                "tools, resources and prompts, and shows every request in the traffic inspector.\n") },
        { QStringLiteral("authentication"), QStringLiteral("Authentication"),
            QStringLiteral(
                "# Authentication\n\nSign in once with Microsoft Entra. For each server Lanyard gets a token "
                "meant for that server only (its audience), by refresh or by token exchange (RFC 8693).\n") },
        { QStringLiteral("token-exchange"), QStringLiteral("Token exchange"),
            QStringLiteral("# Token exchange\n\nA token service swaps your Entra token for one issued for the MCP "
                           "server. The new token carries an `act` claim naming who acts on your behalf.\n") },
        { QStringLiteral("troubleshooting"), QStringLiteral("Troubleshooting"),
            QStringLiteral("# Troubleshooting\n\n- 401: the server wants a token; check the sign-in.\n- 403 "
                           "insufficient_scope: the token lacks a scope; Lanyard asks for it once.\n- 404 on a "
                           "session: the server forgot it; Lanyard starts a new one.\n") },
    };

    addTool(demo::whoamiTool());

    {
        ToolDefinition t;
        t.descriptor = {
            { "name", "search_docs" },
            { "title", "Search the docs" },
            { "description", "Finds documentation pages containing the query; returns links to them." },
            { "inputSchema",
                { { "type", "object" },
                    { "properties",
                        { { "query", { { "type", "string" }, { "description", "Words to look for." } } },
                            { "limit",
                                { { "type", "integer" }, { "minimum", 1 }, { "maximum", 20 }, { "default", 5 } } } } },
                    { "required", { "query" } }, { "additionalProperties", false } } },
            { "annotations", annotations("Search the docs") },
        };
        t.handler = [this](const CallPtr& ctx) {
            const QString query = qs(ctx->arguments(), "query").trimmed();
            const int limit = std::clamp(int(ctx->arguments().value("limit", 5.0)), 1, 20);
            json content = json::array();
            int hits = 0;
            for (const auto& d : m_docs) {
                if (hits >= limit)
                    break;
                if (!query.isEmpty() && !d.title.contains(query, Qt::CaseInsensitive)
                    && !d.text.contains(query, Qt::CaseInsensitive))
                    continue;
                ++hits;
                content.push_back({ { "type", "resource_link" }, { "uri", ("docs://pages/" + d.name).toStdString() },
                    { "name", d.name.toStdString() }, { "title", d.title.toStdString() },
                    { "mimeType", "text/markdown" },
                    { "description", d.text.section(QLatin1Char('\n'), 2, 2).left(120).toStdString() } });
            }
            content.insert(content.begin(),
                textContent(hits == 0 ? QStringLiteral("No page mentions '%1'.").arg(query.left(80))
                                      : QStringLiteral("%1 page(s) found.").arg(hits)));
            ctx->respond({ { "content", content } });
        };
        addTool(std::move(t));
    }
    {
        ToolDefinition t;
        t.descriptor = {
            { "name", "read_doc" },
            { "title", "Read a page" },
            { "description", "Returns one documentation page as markdown." },
            { "inputSchema",
                { { "type", "object" },
                    { "properties",
                        { { "name",
                            { { "type", "string" }, { "description", "Page name, e.g. getting-started." } } } } },
                    { "required", { "name" } }, { "additionalProperties", false } } },
            { "annotations", annotations("Read a page") },
        };
        t.handler = [this](const CallPtr& ctx) {
            const QString name = qs(ctx->arguments(), "name");
            for (const auto& d : m_docs) {
                if (d.name == name) {
                    ctx->respond(textResult(d.text));
                    return;
                }
            }
            QStringList names;
            for (const auto& d : m_docs)
                names << d.name;
            ctx->respond(errorResult(
                QStringLiteral("No page '%1'. Pages: %2.").arg(name.left(80), names.join(QStringLiteral(", ")))));
        };
        addTool(std::move(t));
    }
    {
        ToolDefinition t;
        t.descriptor = {
            { "name", "large_result" },
            { "title", "Large result" },
            { "description", "Returns a text of exactly `size` bytes (up to 64 MiB), for size-limit tests." },
            { "inputSchema",
                { { "type", "object" },
                    { "properties",
                        { { "size",
                            { { "type", "integer" }, { "minimum", 0 }, { "maximum", MaxLargeResultBytes },
                                { "description", "Bytes." } } } } },
                    { "required", { "size" } }, { "additionalProperties", false } } },
            { "annotations", annotations("Large result") },
        };
        t.handler = [](const CallPtr& ctx) {
            const qint64 size = std::clamp<qint64>(qint64(ctx->arguments().value("size", 0.0)), 0, MaxLargeResultBytes);
            static const QByteArray line
                = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-lanyard-lab\n";
            QByteArray text;
            text.reserve(size);
            while (text.size() + line.size() <= size)
                text.append(line);
            text.append(line.left(size - text.size()));
            ctx->respond({ { "content", json::array({ { { "type", "text" }, { "text", text.toStdString() } } }) } });
        };
        addTool(std::move(t));
    }
    {
        ToolDefinition t;
        t.descriptor = {
            { "name", "echo_structured" },
            { "title", "Echo (structured)" },
            { "description", "Echoes the message as structured content that follows the declared outputSchema." },
            { "inputSchema",
                { { "type", "object" },
                    { "properties",
                        { { "message", { { "type", "string" } } },
                            { "count",
                                { { "type", "integer" }, { "minimum", 1 }, { "maximum", 100 }, { "default", 1 } } },
                            { "tags", { { "type", "array" }, { "items", { { "type", "string" } } } } } } },
                    { "required", { "message" } }, { "additionalProperties", false } } },
            { "outputSchema",
                { { "type", "object" },
                    { "properties",
                        { { "message", { { "type", "string" } } }, { "count", { { "type", "integer" } } },
                            { "repeated", { { "type", "string" } } }, { "length", { { "type", "integer" } } },
                            { "tags", { { "type", "array" }, { "items", { { "type", "string" } } } } } } },
                    { "required", { "message", "count", "repeated", "length", "tags" } },
                    { "additionalProperties", false } } },
            { "annotations", annotations("Echo (structured)") },
        };
        t.handler = [](const CallPtr& ctx) {
            const json args = ctx->arguments();
            const QString message = qs(args, "message");
            const int count = std::clamp(int(args.value("count", 1.0)), 1, 100);
            json tags = json::array();
            if (args.contains("tags") && args["tags"].is_array()) {
                for (const auto& v : args["tags"]) {
                    if (v.is_string())
                        tags.push_back(v);
                }
            }
            const QString repeated = QStringList(count, message).join(QLatin1Char(' '));
            const json out = { { "message", message.toStdString() }, { "count", count },
                { "repeated", repeated.toStdString() }, { "length", repeated.size() }, { "tags", tags } };
            // Text content mirrors the structured content for clients that ignore the latter.
            ctx->respond({ { "content", json::array({ textContent(QString::fromUtf8(dumpJson(out))) }) },
                { "structuredContent", out } });
        };
        addTool(std::move(t));
    }
    {
        ToolDefinition t;
        t.descriptor = {
            { "name", "media_sampler" },
            { "title", "Media sampler" },
            { "description",
                "Returns one of each content type: text, image, audio, a resource link and embedded "
                "resources (text and binary)." },
            { "inputSchema",
                { { "type", "object" }, { "properties", json::object() }, { "additionalProperties", false } } },
            { "annotations", annotations("Media sampler") },
        };
        t.handler = [](const CallPtr& ctx) {
            json content = json::array();
            content.push_back(textContent(QStringLiteral("Here is one of each content type.")));
            content.push_back(
                { { "type", "image" }, { "mimeType", "image/png" }, { "data", base64(demo::makePng(32, 32)) },
                    { "annotations", { { "audience", { "user" } }, { "priority", 0.5 } } } });
            content.push_back(
                { { "type", "audio" }, { "mimeType", "audio/wav" }, { "data", base64(demo::makeWav(250, 440)) } });
            content.push_back({ { "type", "resource_link" }, { "uri", "docs://guide.md" }, { "name", "guide.md" },
                { "title", "Guide" }, { "mimeType", "text/markdown" } });
            content.push_back({ { "type", "resource" },
                { "resource",
                    { { "uri", "docs://config.json" }, { "mimeType", "application/json" },
                        { "text", kSampleConfig } } } });
            content.push_back({ { "type", "resource" },
                { "resource",
                    { { "uri", "docs://sample.bin" }, { "mimeType", "application/octet-stream" },
                        { "blob", base64(sampleBinary()) } } } });
            ctx->respond({ { "content", content } });
        };
        addTool(std::move(t));
    }

    auto textResource = [this](const char* uri, const char* name, const char* title, const char* mime, QString text) {
        ResourceDefinition r;
        r.descriptor = { { "uri", uri }, { "name", name }, { "title", title }, { "mimeType", mime },
            { "size", text.toUtf8().size() } };
        const std::string u = uri;
        const std::string m = mime;
        const std::string t = text.toStdString();
        r.read = [u, m, t](const CallContext&) {
            return json::array({ { { "uri", u }, { "mimeType", m }, { "text", t } } });
        };
        addResource(std::move(r));
    };
    auto blobResource = [this](
                            const char* uri, const char* name, const char* title, const char* mime, QByteArray bytes) {
        ResourceDefinition r;
        r.descriptor
            = { { "uri", uri }, { "name", name }, { "title", title }, { "mimeType", mime }, { "size", bytes.size() } };
        const std::string u = uri;
        const std::string m = mime;
        const std::string b = base64(bytes);
        r.read = [u, m, b](const CallContext&) {
            return json::array({ { { "uri", u }, { "mimeType", m }, { "blob", b } } });
        };
        addResource(std::move(r));
    };
    textResource("docs://guide.md", "guide.md", "Guide", "text/markdown", m_docs.front().text);
    textResource("docs://config.json", "config.json", "Sample configuration", "application/json",
        QString::fromLatin1(kSampleConfig));
    textResource("docs://notes.txt", "notes.txt", "Release notes", "text/plain",
        QStringLiteral("Lanyard Lab docs server.\nEvery MCP content type in one place.\n"));
    blobResource("docs://logo.png", "logo.png", "Logo", "image/png", demo::makePng(32, 32));
    blobResource(
        "docs://sample.bin", "sample.bin", "Binary sample (bytes 0..255)", "application/octet-stream", sampleBinary());

    ResourceTemplateDefinition pages;
    pages.descriptor = { { "uriTemplate", "docs://pages/{name}" }, { "name", "page" },
        { "title", "Documentation page" }, { "mimeType", "text/markdown" } };
    pages.read
        = [this](const QString& uri, const QMap<QString, QString>& vars, const CallContext&) -> std::optional<json> {
        for (const auto& d : m_docs) {
            if (d.name == vars.value(QStringLiteral("name")))
                return json::array({ { { "uri", uri.toStdString() }, { "mimeType", "text/markdown" },
                    { "text", d.text.toStdString() } } });
        }
        return std::nullopt;
    };
    pages.completers[QStringLiteral("name")] = [this](const QString& value, const json&, const Caller&) {
        QStringList out;
        for (const auto& d : m_docs) {
            if (d.name.startsWith(value, Qt::CaseInsensitive))
                out << d.name;
        }
        return out;
    };
    addResourceTemplate(std::move(pages));
}

} // namespace lanyard::lab
