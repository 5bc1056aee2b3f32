// SPDX-License-Identifier: MIT
#include "DemoServers.h"

#include <QtEndian>

#include <cmath>
#include <numbers>

namespace lanyard::lab {

namespace demo {

namespace {

quint32 crc32(const QByteArray& data)
{
    quint32 crc = 0xFFFFFFFFu;
    for (char ch : data) {
        crc ^= static_cast<quint8>(ch);
        for (int k = 0; k < 8; ++k)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

quint32 adler32(const QByteArray& data)
{
    quint32 a = 1;
    quint32 b = 0;
    for (char ch : data) {
        a = (a + static_cast<quint8>(ch)) % 65521u;
        b = (b + a) % 65521u;
    }
    return (b << 16) | a;
}

void appendBe32(QByteArray& out, quint32 v)
{
    char buf[4];
    qToBigEndian(v, buf);
    out.append(buf, 4);
}

void appendLe32(QByteArray& out, quint32 v)
{
    char buf[4];
    qToLittleEndian(v, buf);
    out.append(buf, 4);
}

void appendLe16(QByteArray& out, quint16 v)
{
    char buf[2];
    qToLittleEndian(v, buf);
    out.append(buf, 2);
}

void appendChunk(QByteArray& png, const char* type, const QByteArray& data)
{
    appendBe32(png, quint32(data.size()));
    const QByteArray typed = QByteArray(type, 4) + data;
    png.append(typed);
    appendBe32(png, crc32(typed));
}

} // namespace

QByteArray makePng(int width, int height)
{
    QByteArray raw;
    raw.reserve(height * (1 + width * 4));
    for (int y = 0; y < height; ++y) {
        raw.append('\0'); // filter: none
        for (int x = 0; x < width; ++x) {
            raw.append(char(40 + (x * 180) / qMax(1, width - 1))); // R
            raw.append(char(90 + (y * 120) / qMax(1, height - 1))); // G
            raw.append(char(200)); // B
            raw.append(char(255)); // A
        }
    }
    // zlib stream with stored (uncompressed) deflate blocks.
    QByteArray z;
    z.append(char(0x78));
    z.append(char(0x01));
    qsizetype pos = 0;
    do {
        const qsizetype len = qMin<qsizetype>(65535, raw.size() - pos);
        const bool last = pos + len >= raw.size();
        z.append(char(last ? 1 : 0));
        appendLe16(z, quint16(len));
        appendLe16(z, quint16(~quint16(len)));
        z.append(raw.mid(pos, len));
        pos += len;
    } while (pos < raw.size());
    appendBe32(z, adler32(raw));

    QByteArray png("\x89PNG\r\n\x1a\n", 8);
    QByteArray ihdr;
    appendBe32(ihdr, quint32(width));
    appendBe32(ihdr, quint32(height));
    ihdr.append(char(8)); // bit depth
    ihdr.append(char(6)); // RGBA
    ihdr.append(char(0));
    ihdr.append(char(0));
    ihdr.append(char(0));
    appendChunk(png, "IHDR", ihdr);
    appendChunk(png, "IDAT", z);
    appendChunk(png, "IEND", {});
    return png;
}

QByteArray makeWav(int milliseconds, int frequencyHz)
{
    const quint32 rate = 8000;
    const quint32 samples = rate * quint32(qMax(1, milliseconds)) / 1000;
    QByteArray wav("RIFF");
    appendLe32(wav, 36 + samples);
    wav.append("WAVEfmt ");
    appendLe32(wav, 16);
    appendLe16(wav, 1); // PCM
    appendLe16(wav, 1); // mono
    appendLe32(wav, rate);
    appendLe32(wav, rate); // byte rate (8-bit mono)
    appendLe16(wav, 1); // block align
    appendLe16(wav, 8); // bits per sample
    wav.append("data");
    appendLe32(wav, samples);
    for (quint32 i = 0; i < samples; ++i) {
        const double s = std::sin(2.0 * std::numbers::pi * frequencyHz * double(i) / rate);
        wav.append(char(quint8(128 + std::lround(100 * s))));
    }
    return wav;
}

ToolDefinition whoamiTool()
{
    ToolDefinition t;
    t.descriptor = {
        { "name", "whoami" },
        { "title", "Who am I?" },
        { "description",
            "Shows exactly the identity this server received: the claims of the token it saw, your "
            "roles and scopes, and the delegation chain (RFC 8693 `act` claims, current actor first)." },
        { "inputSchema",
            { { "type", "object" }, { "properties", json::object() }, { "additionalProperties", false } } },
        { "outputSchema",
            { { "type", "object" },
                { "properties",
                    { { "server", { { "type", "string" } } }, { "subject", { { "type", "string" } } },
                        { "anonymous", { { "type", "boolean" } } },
                        { "roles", { { "type", "array" }, { "items", { { "type", "string" } } } } },
                        { "scopes", { { "type", "array" }, { "items", { { "type", "string" } } } } },
                        { "claims", { { "type", "object" } } },
                        { "delegation_chain", { { "type", "array" }, { "items", { { "type", "object" } } } } } } },
                { "required",
                    { "server", "subject", "anonymous", "roles", "scopes", "claims", "delegation_chain" } } } },
        { "annotations",
            { { "title", "Who am I?" }, { "readOnlyHint", true }, { "destructiveHint", false },
                { "idempotentHint", true }, { "openWorldHint", false } } },
    };
    t.handler = [](const CallPtr& ctx) {
        const Caller& c = ctx->caller();
        json roles = json::array();
        for (const QString& r : c.roles())
            roles.push_back(r.toStdString());
        json scopes = json::array();
        for (const QString& s : c.scopes())
            scopes.push_back(s.toStdString());
        const json out = { { "server", ctx->server() ? ctx->server()->options().name.toStdString() : std::string() },
            { "subject", c.subject().toStdString() }, { "anonymous", c.anonymous }, { "roles", roles },
            { "scopes", scopes }, { "claims", c.claims }, { "delegation_chain", c.delegationChain() } };
        ctx->respond(
            { { "content", json::array({ { { "type", "text" }, { "text", dumpJson(out, 2).toStdString() } } }) },
                { "structuredContent", out } });
    };
    return t;
}

} // namespace demo

// ---- bench ------------------------------------------------------------------------------------

McpServerOptions BenchDemoServer::defaultOptions()
{
    McpServerOptions o;
    o.name = QStringLiteral("lab-bench");
    o.title = QStringLiteral("Lanyard Lab bench");
    o.instructions = QStringLiteral("Many small echo tools, for paging and performance tests.");
    o.resourceName = o.title;
    o.pageSize = 100;
    return o;
}

QString BenchDemoServer::toolName(int index)
{
    return QStringLiteral("bench_%1").arg(index, 5, 10, QLatin1Char('0'));
}

BenchDemoServer::BenchDemoServer(int toolCount, McpServerOptions options, QObject* parent)
    : McpServer(std::move(options), parent)
{
    addTool(demo::whoamiTool());
    for (int i = 1; i <= toolCount; ++i) {
        const QString name = toolName(i);
        ToolDefinition t;
        t.descriptor = {
            { "name", name.toStdString() },
            { "title", QStringLiteral("Bench tool %1").arg(i).toStdString() },
            { "description",
                QStringLiteral("Echoes its input (bench tool %1 of %2).").arg(i).arg(toolCount).toStdString() },
            { "inputSchema",
                { { "type", "object" },
                    { "properties", { { "value", { { "type", "string" }, { "description", "Text to echo." } } } } } } },
            { "annotations",
                { { "readOnlyHint", true }, { "destructiveHint", false }, { "idempotentHint", true },
                    { "openWorldHint", false } } },
        };
        t.handler = [name](const CallPtr& ctx) {
            ctx->respond(textResult(name + QStringLiteral(": ") + qs(ctx->arguments(), "value")));
        };
        addTool(std::move(t));
    }
}

} // namespace lanyard::lab
