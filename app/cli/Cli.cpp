// SPDX-License-Identifier: MIT
#include "Cli.h"

#include "Conformance.h"
#include "ExitCode.h"

#include "auth/BrowserLauncher.h"
#include "auth/CredentialStore.h"
#include "auth/HttpClient.h"
#include "auth/Identity.h"
#include "auth/Install.h"
#include "auth/Lifecycle.h"
#include "auth/Report.h"
#include "auth/Strategy.h"
#include "protocol/Elicitation.h"
#include "protocol/Transport.h"
#include "session/ClientFactory.h"
#include "util/Redact.h"

#include "lanyard/Version.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>
#include <QTimer>

#include <cstdio>
#include <memory>
#include <string>

namespace lanyard::cli {

namespace {
// Writes the serializer's output straight into a stdio stream, so a large value is never held
// as one text in memory (a 100 MB tool result would otherwise exist as DOM and text at once).
class FileJsonOutput : public nlohmann::detail::output_adapter_protocol<char>
{
public:
    explicit FileJsonOutput(std::FILE* file)
        : m_file(file)
    {
    }
    void write_character(char c) override { std::fputc(c, m_file); }
    void write_characters(const char* s, std::size_t length) override { std::fwrite(s, 1, length, m_file); }

private:
    std::FILE* m_file;
};

class StringJsonOutput : public nlohmann::detail::output_adapter_protocol<char>
{
public:
    explicit StringJsonOutput(std::string* text)
        : m_text(text)
    {
    }
    void write_character(char c) override { m_text->push_back(c); }
    void write_characters(const char* s, std::size_t length) override { m_text->append(s, length); }

private:
    std::string* m_text;
};

// Appends what j.dump(2, ' ', false, replace) would write for `j` nested `depth` levels deep
// (indented by 2 × depth spaces), so a document can be written piece by piece.
void appendPrettyJson(std::string* text, const json& j, unsigned int depth)
{
    nlohmann::detail::serializer<json> serializer(
        std::make_shared<StringJsonOutput>(text), ' ', json::error_handler_t::replace);
    serializer.dump(j, true, false, 2, 2 * depth);
}

// Same bytes as j.dump(indent, ' ', false, replace), written to `file` as they are produced.
// With `depth`, as it would appear nested that many levels deep in a pretty-printed document.
void writeJson(std::FILE* file, const json& j, int indent, unsigned int depth = 0)
{
    nlohmann::detail::serializer<json> serializer(
        std::make_shared<FileJsonOutput>(file), ' ', json::error_handler_t::replace);
    const auto step = static_cast<unsigned int>(qMax(indent, 0));
    serializer.dump(j, indent >= 0, false, step, step * depth);
}

QString oneLine(QString s, int max = 100)
{
    s.replace(QLatin1Char('\n'), QLatin1Char(' '));
    if (s.size() > max)
        s = s.left(max - 1) + QChar(0x2026);
    return s;
}
} // namespace

Cli::Cli(QStringList arguments, QObject* parent)
    : QObject(parent)
    , m_arguments(std::move(arguments))
    , m_out(stdout)
    , m_err(stderr)
{
}

QString Cli::usage()
{
    return QStringLiteral(
        "Usage: lanyard-cli [--config FILE] [--json] [--timeout S] [--verbose] COMMAND [ARGS]\n"
        "\n"
        "Commands:\n"
        "  servers                         list the configured servers\n"
        "  tools SERVER                    list tools (every page)\n"
        "  call SERVER TOOL [--args JSON|@FILE] [--elicit defaults|decline|cancel|JSON] [--repeat N]\n"
        "                                  call a tool\n"
        "  resources SERVER                list resources\n"
        "  templates SERVER                list resource templates\n"
        "  read SERVER URI                 read a resource\n"
        "  prompts SERVER                  list prompts\n"
        "  prompt SERVER NAME [--args JSON|@FILE]\n"
        "                                  get a prompt\n"
        "  ping SERVER                     check the server answers\n"
        "  conformance URL                 run as the client of the MCP conformance suite\n"
        "\n"
        "Identity (one sign-in for every server; see docs/identity.md):\n"
        "  login [--no-browser | --open-with CMD]\n"
        "                                  sign in with the identity provider in the browser\n"
        "  logout                          sign out: revoke what can be revoked, forget stored tokens\n"
        "  whoami                          the signed-in identity (ID token checked)\n"
        "  token SERVER [--reveal]         how the server's token is obtained, the token chain decoded\n"
        "  lifecycle                       the token lifecycle log (sign-ins, refreshes, exchanges, ...)\n"
        "\n"
        "SERVER is a configured server name, an http(s) URL, or --stdio with the server's command\n"
        "after \"--\" (e.g. lanyard-cli tools --stdio -- node server.js stdio).\n"
        "\n"
        "Options:\n"
        "  --config FILE   configuration file (default: $LANYARD_CONFIG or ~/.config/lanyard/config.json)\n"
        "  --json          stable JSON output\n"
        "  --timeout S     per-request timeout in seconds (default: the server's, else 60)\n"
        "  --verbose       log protocol traffic to stderr (secrets masked)\n"
        "  --no-browser    sign-in: print the sign-in URL instead of opening a browser\n"
        "  --open-with CMD sign-in: open the sign-in URL with CMD (default: $BROWSER, else the desktop's)\n"
        "  --reveal        token: also print the raw tokens (careful: they are credentials)\n"
        "  --version       print the version and exit\n"
        "  --help          print this help and exit\n"
        "\n"
        "Exit codes: 0 ok, 1 other failure, 2 usage or configuration, 3 connection or protocol,\n"
        "4 authorization, 5 tool or server error, 6 timeout, 130 interrupted.\n");
}

bool Cli::parse(Error* error)
{
    QStringList args = m_arguments.mid(1);
    const qsizetype dashdash = args.indexOf(QStringLiteral("--"));
    if (dashdash >= 0) {
        m_opt.stdioCommand = args.mid(dashdash + 1);
        args = args.mid(0, dashdash);
    }
    auto needValue = [&](qsizetype& i, const QString& name, QString* out) {
        if (i + 1 >= args.size()) {
            *error = Error(Error::Kind::Usage, tr("%1 needs a value. See lanyard-cli --help.").arg(name));
            return false;
        }
        *out = args.at(++i);
        return true;
    };
    for (qsizetype i = 0; i < args.size(); ++i) {
        const QString a = args.at(i);
        QString value;
        if (a == QLatin1String("--help") || a == QLatin1String("-h")) {
            m_opt.command = QStringLiteral("help");
            return true;
        } else if (a == QLatin1String("--version")) {
            m_opt.command = QStringLiteral("version");
            return true;
        } else if (a == QLatin1String("--json")) {
            m_opt.json = true;
        } else if (a == QLatin1String("--verbose")) {
            m_opt.verbose = true;
        } else if (a == QLatin1String("--stdio")) {
            m_opt.stdio = true;
        } else if (a == QLatin1String("--no-browser")) {
            m_opt.noBrowser = true;
        } else if (a == QLatin1String("--reveal")) {
            m_opt.reveal = true;
        } else if (a == QLatin1String("--open-with")) {
            if (!needValue(i, a, &m_opt.openWith))
                return false;
        } else if (a == QLatin1String("--config")) {
            if (!needValue(i, a, &m_opt.configPath))
                return false;
        } else if (a == QLatin1String("--timeout")) {
            if (!needValue(i, a, &value))
                return false;
            bool ok = false;
            m_opt.timeoutSeconds = value.toDouble(&ok);
            if (!ok || m_opt.timeoutSeconds <= 0) {
                *error = Error(
                    Error::Kind::Usage, tr("--timeout takes a positive number of seconds, not \"%1\".").arg(value));
                return false;
            }
        } else if (a == QLatin1String("--args")) {
            if (!needValue(i, a, &m_opt.argsText))
                return false;
        } else if (a == QLatin1String("--repeat")) {
            if (!needValue(i, a, &value))
                return false;
            bool ok = false;
            m_opt.repeat = value.toInt(&ok);
            if (!ok || m_opt.repeat < 1 || m_opt.repeat > 10000000) {
                *error = Error(
                    Error::Kind::Usage, tr("--repeat takes a whole number from 1 to 10000000, not \"%1\".").arg(value));
                return false;
            }
        } else if (a == QLatin1String("--elicit")) {
            if (!needValue(i, a, &m_opt.elicit))
                return false;
        } else if (a.startsWith(QLatin1String("--"))) {
            *error = Error(Error::Kind::Usage, tr("Unknown option %1. See lanyard-cli --help.").arg(a));
            return false;
        } else if (m_opt.command.isEmpty()) {
            m_opt.command = a;
        } else {
            m_opt.positional << a;
        }
    }
    if (m_opt.command.isEmpty()) {
        *error = Error(Error::Kind::Usage, tr("No command given. See lanyard-cli --help."));
        return false;
    }
    if (m_opt.stdio && m_opt.stdioCommand.isEmpty()) {
        *error = Error(
            Error::Kind::Usage, tr("--stdio needs the server's command after \"--\", e.g. --stdio -- node server.js"));
        return false;
    }
    if (!m_opt.stdio && !m_opt.stdioCommand.isEmpty()) {
        *error = Error(Error::Kind::Usage, tr("Arguments after \"--\" are only used with --stdio."));
        return false;
    }
    return true;
}

bool Cli::resolveServer(ServerConfig* server, Error* error)
{
    if (m_opt.stdio) {
        *server = ClientFactory::inlineStdio(m_opt.stdioCommand);
        return true;
    }
    if (m_opt.positional.isEmpty()) {
        *error = Error(Error::Kind::Usage,
            tr("%1 needs a SERVER: a configured name, an http(s) URL, or --stdio -- COMMAND.").arg(m_opt.command));
        return false;
    }
    const QString name = m_opt.positional.takeFirst();
    if (name.startsWith(QLatin1String("http://")) || name.startsWith(QLatin1String("https://"))) {
        const QUrl url(name, QUrl::StrictMode);
        if (!url.isValid() || url.host().isEmpty()) {
            *error = Error(Error::Kind::Usage, tr("\"%1\" is not a valid URL.").arg(name));
            return false;
        }
        *server = ClientFactory::inlineHttp(url);
        return true;
    }
    if (const ServerConfig* s = m_config.server(name)) {
        *server = *s;
        return true;
    }
    QStringList names;
    for (const auto& s : m_config.servers)
        names << s.name;
    *error = Error(Error::Kind::Usage,
        tr("No server named \"%1\" in %2. Configured: %3.")
            .arg(name, m_config.path.isEmpty() ? tr("the configuration") : m_config.path,
                names.isEmpty() ? tr("none") : names.join(QStringLiteral(", "))));
    return false;
}

void Cli::start()
{
    Error error;
    if (!parse(&error)) {
        m_err << error.message << "\n";
        m_err.flush();
        finish(ExitUsage);
        return;
    }
    if (m_opt.command == QLatin1String("help")) {
        m_out << usage();
        finish(ExitOk);
        return;
    }
    if (m_opt.command == QLatin1String("version")) {
        m_out << "lanyard-cli " << LANYARD_VERSION << " (" << LANYARD_GIT_REVISION << ")\n";
        finish(ExitOk);
        return;
    }
    if (m_opt.command == QLatin1String("conformance")) {
        runConformance();
        return;
    }
    static const QStringList known = { QStringLiteral("servers"), QStringLiteral("tools"), QStringLiteral("call"),
        QStringLiteral("resources"), QStringLiteral("templates"), QStringLiteral("read"), QStringLiteral("prompts"),
        QStringLiteral("prompt"), QStringLiteral("ping") };
    if (!known.contains(m_opt.command) && !isIdentityCommand(m_opt.command)) {
        fail(Error(Error::Kind::Usage, tr("Unknown command \"%1\". See lanyard-cli --help.").arg(m_opt.command)));
        return;
    }

    // The configuration: required when named explicitly or when a server is named; optional otherwise.
    const bool explicitConfig = !m_opt.configPath.isEmpty();
    const QString path = explicitConfig ? m_opt.configPath : ConfigStore::defaultPath();
    const bool needsConfig = explicitConfig || m_opt.command == QLatin1String("servers")
        || (isIdentityCommand(m_opt.command) && m_opt.command != QLatin1String("lifecycle"))
        || (!m_opt.stdio && !m_opt.positional.isEmpty() && !m_opt.positional.first().contains(QLatin1String("://")));
    if (needsConfig || QFile::exists(path)) {
        auto config = ConfigStore::load(path, &error);
        if (!config) {
            fail(error);
            return;
        }
        m_config = *config;
    }
    if (!setUpIdentity(&error)) {
        fail(error);
        return;
    }
    if (isIdentityCommand(m_opt.command)) {
        runIdentityCommand();
        return;
    }

    if (m_opt.command == QLatin1String("servers")) {
        if (m_opt.json) {
            json list = json::array();
            for (const auto& s : m_config.servers)
                list.push_back(ConfigStore::toJson(s));
            printJson(json { { "config", m_config.path.toStdString() }, { "servers", list } });
        } else {
            m_out << "Servers in " << m_config.path << ":\n";
            if (m_config.servers.isEmpty())
                m_out << "  (none)\n";
            for (const auto& s : m_config.servers) {
                m_out << "  " << s.name.leftJustified(16) << " "
                      << (s.isStdio() ? QStringLiteral("stdio  ") + s.command + QLatin1Char(' ')
                                     + s.args.join(QLatin1Char(' '))
                                      : QStringLiteral("http   ") + s.url.toString())
                      << "  [auth: " << s.auth.type << "]" << (s.enabled ? "" : " (disabled)") << "\n";
            }
        }
        finish(ExitOk);
        return;
    }
    connectAndRun();
}

void Cli::connectAndRun()
{
    Error error;
    ServerConfig server;
    if (!resolveServer(&server, &error)) {
        fail(error);
        return;
    }
    if (m_opt.timeoutSeconds > 0)
        server.timeoutSeconds = m_opt.timeoutSeconds;
    ClientOptions options;
    m_client = ClientFactory::instance().create(server, options, &error, nullptr, this);
    if (!m_client) {
        fail(error);
        return;
    }
    if (m_opt.verbose) {
        connect(m_client->transport(), &Transport::trafficObserved, this, [this](const TrafficRecord& r) {
            m_err << (r.direction == TrafficRecord::Direction::Outgoing ? "> " : "< ") << r.summary << "\n";
            m_err.flush();
        });
    }
    m_client->setElicitationHandler([this](const json& params, std::function<void(const json&)> reply) {
        handleElicitation(params, std::move(reply));
    });
    connect(m_client, &McpClient::errorOccurred, this, [this](const Error& e) {
        if (m_client && m_client->state() != McpClient::State::Connected)
            fail(e);
    });
    connect(m_client, &McpClient::ready, this, &Cli::runCommand);
    m_client->connectToServer();
}

bool Cli::readArgs(const QString& text, json* out, Error* error)
{
    if (text.isEmpty()) {
        *out = json::object();
        return true;
    }
    QByteArray bytes = text.toUtf8();
    QString source = tr("--args");
    if (text.startsWith(QLatin1Char('@'))) {
        QFile f(text.mid(1));
        if (!f.open(QIODevice::ReadOnly)) {
            *error = Error(
                Error::Kind::Usage, tr("Cannot read the arguments file %1: %2").arg(text.mid(1), f.errorString()));
            return false;
        }
        bytes = f.readAll();
        source = text.mid(1);
    }
    QString why;
    auto j = parseJson(bytes, &why);
    if (!j || !j->is_object()) {
        *error = Error(Error::Kind::Usage,
            tr("%1 must be a JSON object like '{\"name\": \"value\"}' (%2).")
                .arg(source, j ? tr("got %1").arg(QLatin1String(j->type_name())) : why));
        return false;
    }
    *out = *j;
    return true;
}

void Cli::runCommand()
{
    const QString& cmd = m_opt.command;
    Error error;
    auto need = [&](int n, const QString& what) {
        if (m_opt.positional.size() < n) {
            fail(Error(Error::Kind::Usage, tr("%1 needs %2. See lanyard-cli --help.").arg(cmd, what)));
            return false;
        }
        return true;
    };
    if (cmd == QLatin1String("tools")) {
        // Each page is turned into its output text as it arrives and then dropped: the text is a
        // fraction of the size of the parsed tools.
        auto listed = std::make_shared<ToolListText>();
        PendingRequest* list = m_client->listAllPages(QStringLiteral("tools/list"), QStringLiteral("tools"),
            [this, listed](const json& items, int page, bool last) { addToolsPage(listed.get(), items, page, last); });
        track(list, [this, listed](const json& r) { printTools(*listed, r.value("pages", 0)); });
    } else if (cmd == QLatin1String("call")) {
        if (!need(1, tr("a TOOL name")))
            return;
        json args;
        if (!readArgs(m_opt.argsText, &args, &error)) {
            fail(error);
            return;
        }
        const QString tool = m_opt.positional.at(0);
        // Fetch the tool list first, so the result can be checked against the tool's outputSchema.
        // Only the tool index is needed (McpClient::toolByName), not the list itself.
        PendingRequest* list = m_client->listAllPages(
            QStringLiteral("tools/list"), QStringLiteral("tools"), [](const json&, int, bool) {});
        track(list, [this, tool, args](const json&) {
            const json meta = m_client->toolByName(tool);
            if (meta.empty()) {
                m_err << tr("note: the server does not list a tool named \"%1\"; calling it anyway.").arg(tool) << "\n";
                m_err.flush();
            }
            if (m_opt.repeat > 1) {
                repeatCall(tool, args, meta, m_opt.repeat, QDateTime::currentMSecsSinceEpoch());
                return;
            }
            PendingRequest* call = m_client->callTool(tool, args);
            if (!m_opt.json) {
                connect(call, &PendingRequest::progress, this, [this](double p, double total, const QString& msg) {
                    if (total > 0)
                        m_err << tr("progress: %1/%2").arg(p).arg(total);
                    else
                        m_err << tr("progress: %1").arg(p);
                    if (!msg.isEmpty())
                        m_err << " " << oneLine(msg);
                    m_err << "\n";
                    m_err.flush();
                });
            }
            track(call, [this, meta](const json& r) { printToolResult(r, McpClient::checkToolResult(r, meta)); });
        });
    } else if (cmd == QLatin1String("resources")) {
        track(m_client->listResources(), [this](const json& r) { printResources(r, false); });
    } else if (cmd == QLatin1String("templates")) {
        track(m_client->listResourceTemplates(), [this](const json& r) { printResources(r, true); });
    } else if (cmd == QLatin1String("read")) {
        if (!need(1, tr("a resource URI")))
            return;
        track(m_client->readResource(m_opt.positional.at(0)), [this](const json& r) { printRead(r); });
    } else if (cmd == QLatin1String("prompts")) {
        track(m_client->listPrompts(), [this](const json& r) { printPrompts(r); });
    } else if (cmd == QLatin1String("prompt")) {
        if (!need(1, tr("a prompt NAME")))
            return;
        json args;
        if (!readArgs(m_opt.argsText, &args, &error)) {
            fail(error);
            return;
        }
        track(m_client->getPrompt(m_opt.positional.at(0), args), [this](const json& r) { printPrompt(r); });
    } else if (cmd == QLatin1String("ping")) {
        PendingRequest* p = m_client->ping();
        track(p, [this, p](const json&) {
            if (m_opt.json)
                printJson(json { { "ok", true }, { "milliseconds", p->elapsedMs() } });
            else
                m_out << tr("pong from %1 in %2 ms")
                             .arg(qs(m_client->serverInfo().implementation, "name"))
                             .arg(p->elapsedMs())
                      << "\n";
            finish(ExitOk);
        });
    }
}

void Cli::repeatCall(const QString& tool, const json& args, const json& meta, int remaining, qint64 startedMs)
{
    track(m_client->callTool(tool, args), [this, tool, args, meta, remaining, startedMs](const json& r) {
        const ToolResultCheck check = McpClient::checkToolResult(r, meta);
        if (check.isError || remaining <= 1) {
            const qint64 ms = qMax<qint64>(1, QDateTime::currentMSecsSinceEpoch() - startedMs);
            const int done = m_opt.repeat - remaining + 1;
            if (m_opt.json) {
                printJson(json { { "calls", done }, { "milliseconds", ms }, { "callsPerSecond", done * 1000.0 / ms },
                    { "last", r } });
            } else {
                m_out << tr("%1 calls of %2 in %3 ms (%4 calls/s)")
                             .arg(done)
                             .arg(tool)
                             .arg(ms)
                             .arg(done * 1000.0 / ms, 0, 'f', 1)
                      << "\n";
            }
            if (check.isError)
                m_err << tr("call %1 of %2 reported an error; stopped.").arg(done).arg(m_opt.repeat) << "\n";
            finish(check.isError ? ExitToolError : ExitOk);
            return;
        }
        repeatCall(tool, args, meta, remaining - 1, startedMs);
    });
}

void Cli::track(PendingRequest* request, std::function<void(const json&)> onResult)
{
    m_inFlight = request;
    connect(request, &PendingRequest::finished, this, [onResult](const json& r) { onResult(r); });
    connect(request, &PendingRequest::failed, this, [this](const Error& e) { fail(e); });
}

void Cli::printJson(const json& j)
{
    // Straight to stdout: a 100 MB result must not pass through QString and QTextStream.
    m_out.flush();
    writeJson(stdout, j, 2);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

void Cli::addToolsPage(ToolListText* listed, const json& items, int page, bool last)
{
    if (m_opt.json && last) {
        // The page count is known now: write the document, the last page straight from its DOM.
        m_out.flush();
        const bool empty = listed->count == 0 && items.empty();
        std::string head = "{\n  \"pages\": " + std::to_string(page + 1) + ",\n  \"tools\": ";
        head += empty ? "[]" : "[\n";
        std::fwrite(head.data(), 1, head.size(), stdout);
        std::fwrite(listed->jsonText.data(), 1, listed->jsonText.size(), stdout);
        listed->jsonText = std::string();
        for (const auto& t : items) {
            std::fputs(listed->count > 0 ? ",\n    " : "    ", stdout);
            writeJson(stdout, t, 2, 2);
            ++listed->count;
        }
        std::fputs(empty ? "\n}\n" : "\n  ]\n}\n", stdout);
        std::fflush(stdout);
        listed->printed = true;
        return;
    }
    for (const auto& t : items) {
        if (m_opt.json) {
            // The lines of {"pages": N, "tools": [...]} as printJson writes them (items at depth 2).
            if (listed->count > 0)
                listed->jsonText += ",\n";
            listed->jsonText += "    ";
            appendPrettyJson(&listed->jsonText, t, 2);
        } else {
            QString& out = listed->text;
            QStringList badges;
            const json ann = t.is_object() ? t.value("annotations", json::object()) : json::object();
            const auto hint
                = [&ann](const char* name) { return ann.is_object() && ann.contains(name) && ann[name] == true; };
            if (hint("readOnlyHint"))
                badges << QStringLiteral("read-only");
            if (hint("destructiveHint"))
                badges << QStringLiteral("destructive");
            if (hint("idempotentHint"))
                badges << QStringLiteral("idempotent");
            if (hint("openWorldHint"))
                badges << QStringLiteral("open-world");
            const QString title = qs(t, "title", qs(ann, "title"));
            out += QStringLiteral("  ") + qs(t, "name");
            if (!title.isEmpty())
                out += QStringLiteral(" — ") + oneLine(title, 60);
            if (!badges.isEmpty())
                out += QStringLiteral("  [") + badges.join(QStringLiteral(", ")) + QStringLiteral("]");
            out += QLatin1Char('\n');
            const QString desc = qs(t, "description");
            if (!desc.isEmpty())
                out += QStringLiteral("      ") + oneLine(desc) + QLatin1Char('\n');
        }
        ++listed->count;
    }
}

void Cli::printTools(const ToolListText& listed, int pages)
{
    if (m_opt.json) {
        // Written with the last page (addToolsPage), byte for byte what
        // printJson(json{{"tools", [...]}, {"pages", N}}) would write.
        Q_ASSERT(listed.printed || pages == 0);
    } else {
        m_out << tr("%n tool(s)", nullptr, listed.count) << "\n" << listed.text;
        m_out.flush();
    }
    finish(ExitOk);
}

void Cli::printToolResult(const json& r, const ToolResultCheck& check)
{
    if (m_opt.json) {
        json checkJson = { { "isError", check.isError }, { "outputSchema", check.summary().toStdString() } };
        static const char* names[] = { "none", "valid", "invalid", "not-fully-checked", "missing-structured-content" };
        checkJson["schemaCheck"] = names[static_cast<int>(check.schema)];
        // {"check": ..., "result": ...} written piecewise, so the result is never copied.
        m_out.flush();
        std::fputs("{\"check\": ", stdout);
        writeJson(stdout, checkJson, -1);
        std::fputs(", \"result\": ", stdout);
        writeJson(stdout, r, -1);
        std::fputs("}\n", stdout);
        std::fflush(stdout);
    } else {
        QTextStream& s = check.isError ? m_err : m_out;
        if (check.isError)
            s << tr("The tool reported an error:") << "\n";
        for (const auto& c : r.value("content", json::array())) {
            const QString type = qs(c, "type");
            if (type == QLatin1String("text")) {
                const auto text = c.find("text");
                if (text != c.end() && text->is_string()) {
                    // The bytes as they are: a large text must not be converted to UTF-16 and back.
                    s.flush();
                    std::FILE* file = &s == &m_err ? stderr : stdout;
                    const std::string& bytes = text->get_ref<const std::string&>();
                    std::fwrite(bytes.data(), 1, bytes.size(), file);
                    std::fputc('\n', file);
                    std::fflush(file);
                } else {
                    s << "\n";
                }
            } else if (type == QLatin1String("image") || type == QLatin1String("audio")) {
                const qsizetype bytes = QByteArray::fromBase64(qs(c, "data").toLatin1()).size();
                s << "[" << type << " " << qs(c, "mimeType") << ", " << bytes << " bytes]\n";
            } else if (type == QLatin1String("resource_link")) {
                s << "[link] " << qs(c, "uri")
                  << (c.contains("name") ? QStringLiteral(" (%1)").arg(qs(c, "name")) : QString()) << "\n";
            } else if (type == QLatin1String("resource")) {
                const json res = c.value("resource", json::object());
                s << "[resource " << qs(res, "uri") << "]\n";
                if (res.contains("text"))
                    s << qs(res, "text") << "\n";
                else if (res.contains("blob"))
                    s << "(" << QByteArray::fromBase64(qs(res, "blob").toLatin1()).size() << " bytes of "
                      << qs(res, "mimeType") << ")\n";
            } else {
                s << "[" << type << "] " << QString::fromUtf8(dumpJson(c)) << "\n";
            }
        }
        if (r.contains("structuredContent")) {
            s << tr("structured content:") << "\n" << QString::fromUtf8(dumpJson(r["structuredContent"], 2)) << "\n";
        }
        if (check.schema != ToolResultCheck::Schema::NoSchema)
            s << "(" << check.summary() << ")\n";
        s.flush();
    }
    if (check.isError)
        finish(ExitToolError);
    else if (check.schema == ToolResultCheck::Schema::Invalid)
        finish(ExitToolError);
    else
        finish(ExitOk);
}

void Cli::printResources(const json& r, bool templates)
{
    if (m_opt.json) {
        printJson(r);
    } else {
        const json& list = r[templates ? "resourceTemplates" : "resources"];
        m_out << (templates ? tr("%n resource template(s)", nullptr, static_cast<int>(list.size()))
                            : tr("%n resource(s)", nullptr, static_cast<int>(list.size())))
              << "\n";
        for (const auto& item : list) {
            m_out << "  " << qs(item, templates ? "uriTemplate" : "uri") << "  " << qs(item, "name");
            if (item.contains("mimeType"))
                m_out << "  (" << qs(item, "mimeType") << ")";
            m_out << "\n";
            if (item.contains("description"))
                m_out << "      " << oneLine(qs(item, "description")) << "\n";
        }
    }
    finish(ExitOk);
}

void Cli::printRead(const json& r)
{
    if (m_opt.json) {
        printJson(r);
    } else {
        for (const auto& c : r.value("contents", json::array())) {
            if (c.contains("text")) {
                m_out << qs(c, "text") << "\n";
            } else {
                const QByteArray blob = QByteArray::fromBase64(qs(c, "blob").toLatin1());
                m_out << tr("[%1: %2 bytes of %3; use --json for the base64 data]")
                             .arg(qs(c, "uri"))
                             .arg(blob.size())
                             .arg(qs(c, "mimeType", QStringLiteral("binary")))
                      << "\n";
            }
        }
    }
    finish(ExitOk);
}

void Cli::printPrompts(const json& r)
{
    if (m_opt.json) {
        printJson(r);
    } else {
        const json& list = r["prompts"];
        m_out << tr("%n prompt(s)", nullptr, static_cast<int>(list.size())) << "\n";
        for (const auto& p : list) {
            QStringList args;
            for (const auto& a : p.value("arguments", json::array()))
                args << (qs(a, "name") + (a.value("required", false) == true ? QStringLiteral("*") : QString()));
            m_out << "  " << qs(p, "name") << "(" << args.join(QStringLiteral(", ")) << ")\n";
            if (p.contains("description"))
                m_out << "      " << oneLine(qs(p, "description")) << "\n";
        }
    }
    finish(ExitOk);
}

void Cli::printPrompt(const json& r)
{
    if (m_opt.json) {
        printJson(r);
    } else {
        if (r.contains("description"))
            m_out << qs(r, "description") << "\n\n";
        for (const auto& m : r.value("messages", json::array())) {
            const json c = m.value("content", json::object());
            m_out << "[" << qs(m, "role") << "] ";
            if (qs(c, "type") == QLatin1String("text"))
                m_out << qs(c, "text") << "\n";
            else
                m_out << QString::fromUtf8(dumpJson(c)) << "\n";
        }
    }
    finish(ExitOk);
}

void Cli::handleElicitation(const json& params, std::function<void(const json&)> reply)
{
    const json schema = params.value("requestedSchema", json::object());
    const QString serverName = qs(m_client->serverInfo().implementation, "name", tr("the server"));
    m_err << tr("%1 asks: %2").arg(serverName, oneLine(qs(params, "message"), 300)) << "\n";
    const QString mode = m_opt.elicit.isEmpty() ? QStringLiteral("defaults") : m_opt.elicit;
    if (mode == QLatin1String("decline") || mode == QLatin1String("cancel")) {
        m_err << tr("answered: %1 (--elicit)").arg(mode) << "\n";
        m_err.flush();
        reply(json { { "action", mode.toStdString() } });
        return;
    }
    json answers = json::object();
    if (mode != QLatin1String("defaults")) {
        auto j = parseJson(mode.toUtf8());
        if (!j || !j->is_object()) {
            m_err << tr("--elicit must be defaults, decline, cancel or a JSON object; declining.") << "\n";
            m_err.flush();
            reply(json { { "action", "decline" } });
            return;
        }
        answers = *j;
    }
    const json content = elicitation::withDefaults(schema, answers);
    const QStringList problems = elicitation::check(schema, content);
    if (!problems.isEmpty()) {
        m_err << tr("cannot answer with defaults (%1); declining. Answer with --elicit '{\"field\": value}'.")
                     .arg(problems.join(QStringLiteral("; ")))
              << "\n";
        m_err.flush();
        reply(json { { "action", "decline" } });
        return;
    }
    m_err << tr("answered: accept %1").arg(QString::fromUtf8(dumpJson(content))) << "\n";
    m_err.flush();
    reply(json { { "action", "accept" }, { "content", content } });
}

void Cli::runConformance()
{
    auto* runner = new ConformanceRunner(m_arguments, this);
    connect(runner, &ConformanceRunner::finished, this, [this](int code) { finish(code); });
    runner->start();
}

void Cli::fail(const Error& error)
{
    if (m_finishing)
        return;
    if (m_opt.json) {
        printJson(json { { "error",
            { { "kind", Error::kindName(error.kind).toStdString() }, { "code", error.code },
                { "message", error.message.toStdString() } } } });
    }
    m_err << "lanyard-cli: " << error.message << "\n";
    if (m_opt.verbose && !error.detail.isEmpty())
        m_err << "  detail: " << redact::text(error.detail) << "\n";
    m_err.flush();
    finish(exitCodeFor(error));
}

void Cli::interrupt()
{
    if (m_finishing)
        return;
    if (auth::identity()->isSigningIn())
        auth::identity()->cancelSignIn();
    m_err << tr("interrupted; cancelling") << "\n";
    m_err.flush();
    if (m_inFlight)
        m_inFlight->cancel(tr("interrupted by the user"));
    finish(ExitInterrupted);
}

void Cli::finish(int code)
{
    if (m_finishing)
        return;
    m_finishing = true;
    m_out.flush();
    m_err.flush();
    if (m_client && m_client->state() == McpClient::State::Connected) {
        // Give the transport a moment to send a pending cancellation and end the session.
        connect(m_client->transport(), &Transport::closed, this, [this, code] { exitWhenIdle(code); });
        QTimer::singleShot(2000, this, [code] { QCoreApplication::exit(code); });
        m_client->close();
        return;
    }
    exitWhenIdle(code);
}

void Cli::exitWhenIdle(int code)
{
    // E.g. the token service's metadata, still being read when the sign-in failed.
    auth::HttpClient* http = auth::identity() ? auth::identity()->http() : nullptr;
    if (!http || http->pending() == 0) {
        QTimer::singleShot(0, this, [code] { QCoreApplication::exit(code); });
        return;
    }
    connect(http, &auth::HttpClient::idle, this, [code] { QCoreApplication::exit(code); });
    QTimer::singleShot(2000, this, [code] { QCoreApplication::exit(code); });
}

// ---- Identity commands -----------------------------------------------------------------------------

bool Cli::isIdentityCommand(const QString& command)
{
    return command == QLatin1String("login") || command == QLatin1String("logout") || command == QLatin1String("whoami")
        || command == QLatin1String("token") || command == QLatin1String("lifecycle");
}

bool Cli::setUpIdentity(Error* error)
{
    auth::IdentityManager* id = auth::identity();
    if (m_config.identity.is_object() && !m_config.identity.empty()) {
        if (!auth::configure(m_config, error)) {
            error->message = tr("%1: %2").arg(m_config.path, error->message);
            return false;
        }
    }
    id->setBrowserLauncher(auth::browser::forCli(m_opt.noBrowser, m_opt.openWith));
    // Whenever a browser sign-in starts (login, or a command that needs a token), say where.
    connect(id, &auth::IdentityManager::signInStarted, this, [this](const QUrl& url) {
        m_err << tr("Sign in with your browser. If no browser opens, open this address:") << "\n  "
              << url.toString(QUrl::FullyEncoded) << "\n";
        if (m_opt.noBrowser)
            m_err << tr("Waiting for the sign-in to finish (Ctrl-C cancels)...") << "\n";
        m_err.flush();
    });
    connect(id, &auth::IdentityManager::browserFailed, this, [this](const QString& why) {
        m_err << tr("note: could not open a browser (%1); open the address above by hand.").arg(why) << "\n";
        m_err.flush();
    });
    connect(id, &auth::IdentityManager::noticeRaised, this, [this](const QString& message) {
        m_err << tr("note: %1").arg(message) << "\n";
        m_err.flush();
    });
    if (m_opt.verbose) {
        connect(id->lifecycle(), &auth::LifecycleLog::eventAdded, this, [this](const auth::LifecycleEvent& e) {
            m_err << "identity: " << e.summary() << "\n";
            m_err.flush();
        });
    }
    return true;
}

void Cli::runIdentityCommand()
{
    const QString& cmd = m_opt.command;
    if (cmd == QLatin1String("lifecycle")) {
        runLifecycle();
        return;
    }
    if (!auth::identity()->isConfigured()) {
        fail(Error(Error::Kind::Config,
            tr("No sign-in is configured. Add an \"identity\" block with \"authority\" and \"clientId\" to %1 "
               "(see docs/config.md).")
                .arg(m_config.path.isEmpty() ? ConfigStore::defaultPath() : m_config.path)));
        return;
    }
    if (cmd == QLatin1String("login"))
        runLogin();
    else if (cmd == QLatin1String("logout"))
        runLogout();
    else if (cmd == QLatin1String("whoami"))
        runWhoami();
    else if (cmd == QLatin1String("token"))
        runToken();
}

void Cli::runLogin()
{
    auth::IdentityManager* id = auth::identity();
    id->signIn({}, this, [this, id](const Error& e) {
        if (e.isError()) {
            fail(e);
            return;
        }
        const auth::Account& a = id->account();
        if (m_opt.json) {
            printJson(json { { "signedIn", true }, { "username", ss(a.username) }, { "name", ss(a.name) },
                { "tenantId", ss(a.tenantId) }, { "store", ss(id->store()->describe()) } });
        } else {
            m_out << tr("Signed in as %1 (%2).").arg(a.name, a.username) << "\n";
            m_out << tr("The sign-in is kept in %1.").arg(id->store()->describe()) << "\n";
        }
        finish(ExitOk);
    });
}

void Cli::runLogout()
{
    auth::identity()->signOut(this, [this](const Error& e) {
        if (e.isError()) {
            fail(e);
            return;
        }
        if (m_opt.json)
            printJson(json { { "signedIn", false } });
        else
            m_out << tr("Signed out. Stored sign-ins and cached tokens are gone.") << "\n";
        finish(ExitOk);
    });
}

void Cli::runWhoami()
{
    auth::identity()->whoami(this, [this](const json& claims, const Error& e) {
        if (e.isError()) {
            fail(e);
            return;
        }
        if (m_opt.json)
            printJson(json { { "claims", claims }, { "validated", true } });
        else
            m_out << auth::report::identityText(claims);
        finish(ExitOk);
    });
}

void Cli::runToken()
{
    Error error;
    ServerConfig server;
    if (!resolveServer(&server, &error)) {
        fail(error);
        return;
    }
    if (server.auth.type == QLatin1String("none")
        || (server.auth.type == QLatin1String("bearer") && !server.auth.env.isEmpty())) {
        if (m_opt.json)
            printJson(json {
                { "server", ss(server.name) }, { "strategy", ss(server.auth.type) }, { "chain", json::array() } });
        else
            m_out << tr("Server \"%1\" uses auth type \"%2\": Lanyard gets no token for it.")
                         .arg(server.name, server.auth.type)
                  << "\n";
        finish(ExitOk);
        return;
    }
    auth::IdentityManager* id = auth::identity();
    TokenProvider* provider = auth::createTokenProvider(server, id, this, &error);
    auto* serverProvider = qobject_cast<auth::ServerTokenProvider*>(provider);
    if (!serverProvider) {
        fail(error.isError() ? error
                             : Error(Error::Kind::Config, tr("Server \"%1\" has no token provider.").arg(server.name)));
        return;
    }
    const QString name = server.name;
    serverProvider->currentToken([this, name, id](const auth::TokenPtr& token, const Error& e) {
        if (e.isError() || !token) {
            fail(e);
            return;
        }
        if (m_opt.json)
            printJson(auth::report::tokenChain(token, name, m_opt.reveal, id->clock()));
        else
            m_out << auth::report::tokenChainText(token, name, m_opt.reveal, id->clock());
        finish(ExitOk);
    });
}

void Cli::runLifecycle()
{
    auth::IdentityManager* id = auth::identity();
    if (id->lifecycle()->journal().isEmpty()) {
        auth::IdentitySettings defaults;
        id->lifecycle()->setJournal(defaults.dataDirectory() + QStringLiteral("/lifecycle.jsonl"));
    }
    const QList<auth::LifecycleEvent> events = id->lifecycle()->events();
    if (m_opt.json) {
        json list = json::array();
        for (const auto& e : events)
            list.push_back(e.toJson());
        printJson(json { { "journal", ss(id->lifecycle()->journal()) }, { "events", list } });
    } else {
        if (events.isEmpty())
            m_out << tr("No identity events yet (journal: %1).").arg(id->lifecycle()->journal()) << "\n";
        for (const auto& e : events) {
            m_out << e.summary() << "\n";
            if (m_opt.verbose) {
                if (!e.claims.empty())
                    m_out << "    claims: " << QString::fromUtf8(dumpJson(e.claims)) << "\n";
                for (const auto& x : e.exchanges)
                    m_out << "    http: " << x.summary() << "\n";
            }
        }
    }
    finish(ExitOk);
}

} // namespace lanyard::cli
