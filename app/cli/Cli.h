// SPDX-License-Identifier: MIT
#pragma once

#include "config/Config.h"
#include "protocol/McpClient.h"
#include "util/Error.h"

#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QTextStream>

#include <string>

namespace lanyard::cli {

// lanyard-cli: parses the command line, runs one command against one server, prints the
// result (human-readable or --json) and exits with a documented code.
class Cli : public QObject
{
    Q_OBJECT
public:
    explicit Cli(QStringList arguments, QObject* parent = nullptr);

    // Starts the command; the process exits through QCoreApplication::exit(code).
    void start();
    // Ctrl-C / SIGTERM: cancel what is in flight (notifications/cancelled), close, exit 130.
    void interrupt();

    static QString usage();

private:
    struct Options
    {
        QString configPath;
        bool json = false;
        double timeoutSeconds = 0;
        bool verbose = false;
        QString command;
        QStringList positional;
        QStringList stdioCommand;
        bool stdio = false;
        QString argsText;
        QString elicit; // "defaults" (default), "decline", "cancel", or a JSON object
        int repeat = 1; // call: sequential calls in one session (scripting, load checks, benchmarks)
        bool noBrowser = false; // identity: print the sign-in URL instead of opening a browser
        QString openWith; // identity: open the sign-in URL with this command
        bool reveal = false; // token: print the raw tokens too
    };

    bool parse(Error* error);
    bool resolveServer(ServerConfig* server, Error* error);
    void connectAndRun();
    void runCommand();
    void runConformance();
    void track(PendingRequest* request, std::function<void(const json&)> onResult);
    void repeatCall(const QString& tool, const json& args, const json& meta, int remaining, qint64 startedMs);
    void finish(int code);
    void exitWhenIdle(int code); // after the identity's HTTP requests in flight (at most 2 s)
    void fail(const Error& error);
    bool readArgs(const QString& text, json* out, Error* error);

    // tools SERVER: the output text, built page by page (the parsed pages are not kept).
    struct ToolListText
    {
        std::string jsonText; // --json: the items as they appear inside "tools": [...]
        QString text; // human-readable lines
        int count = 0;
        bool printed = false; // --json: written out with the last page
    };
    void addToolsPage(ToolListText* listed, const json& items, int page, bool last);
    void printTools(const ToolListText& listed, int pages);
    void printToolResult(const json& result, const ToolResultCheck& check);
    void printResources(const json& result, bool templates);
    void printRead(const json& result);
    void printPrompts(const json& result);
    void printPrompt(const json& result);
    void printJson(const json& j);
    void handleElicitation(const json& params, std::function<void(const json&)> reply);

    // Identity (core/auth): login, logout, whoami, token SERVER, lifecycle.
    static bool isIdentityCommand(const QString& command);
    bool setUpIdentity(Error* error);
    void runIdentityCommand();
    void runLogin();
    void runLogout();
    void runWhoami();
    void runToken();
    void runLifecycle();

    QStringList m_arguments;
    Options m_opt;
    Config m_config;
    QPointer<McpClient> m_client;
    QPointer<PendingRequest> m_inFlight;
    QTextStream m_out;
    QTextStream m_err;
    bool m_finishing = false;
};

} // namespace lanyard::cli
