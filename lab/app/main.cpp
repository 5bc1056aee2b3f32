// SPDX-License-Identifier: MIT
// lanyard-lab: the demo MCP servers on loopback, with a ready Lanyard config.
#include "Lab.h"
#include "SignInRobot.h"

#include "lanyard/Version.h"
#include "sts/IdentityLab.h"
#include "util/Json.h"
#include "util/SignalWatcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QTextStream>

#include <csignal>

using namespace lanyard;
using namespace lanyard::lab;

namespace {

bool parseNumber(const QString& text, int min, int max, int* out)
{
    bool ok = false;
    const int v = text.toInt(&ok);
    if (!ok || v < min || v > max)
        return false;
    *out = v;
    return true;
}

int usageError(const QString& message)
{
    QTextStream(stderr) << "lanyard-lab: " << message << "\nRun lanyard-lab --help for the options.\n";
    return 2;
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("lanyard-lab"));
    QCoreApplication::setApplicationVersion(QStringLiteral(LANYARD_VERSION " (" LANYARD_GIT_REVISION ")"));
    if (qEnvironmentVariableIsEmpty("QT_MESSAGE_PATTERN"))
        qSetMessagePattern(QStringLiteral("%{time hh:mm:ss.zzz} %{if-warning}warning: %{endif}%{message}"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "An Entra-like identity provider, an RFC 8693 token service and demo MCP servers (hr, docs, bench)\n"
        "on 127.0.0.1, for trying Lanyard without an Entra tenant. hr takes only token-service tokens\n"
        "issued for it, docs only identity-provider tokens for its app; bench is open.\n"
        "Prints 'identity ...', 'user ...', one line 'endpoint NAME URL' per server, 'config PATH' and\n"
        "then 'ready'. Ctrl-C stops."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption portOption(QStringLiteral("port"),
        QStringLiteral("First port: hr on BASE, docs on BASE+1, bench on BASE+2, identity provider on "
                       "BASE+3, token service on BASE+4. 0 (default) picks free ports."),
        QStringLiteral("BASE"), QStringLiteral("0"));
    const QCommandLineOption configOption(QStringLiteral("config-out"),
        QStringLiteral("Write a ready Lanyard config here (kept after exit). "
                       "Default: a temporary file removed on exit."),
        QStringLiteral("FILE"));
    const QCommandLineOption scenarioOption(QStringLiteral("scenario"),
        QStringLiteral("Scenario file (JSON): tenant, users, apps, consents, roles, token-service clients "
                       "(docs/lab.md). Default: the built-in scenario."),
        QStringLiteral("FILE"));
    const QCommandLineOption noIdentityOption(QStringLiteral("no-identity"),
        QStringLiteral("Start only the demo MCP servers, all open (no identity provider, no token service)."));
    const QCommandLineOption latencyOption(QStringLiteral("latency"),
        QStringLiteral("Add this many milliseconds to every answer."), QStringLiteral("MS"), QStringLiteral("0"));
    const QCommandLineOption toolsOption(QStringLiteral("tools"),
        QStringLiteral("Number of tools on the bench server."), QStringLiteral("N"), QStringLiteral("1000"));
    const QCommandLineOption hrCopiesOption(QStringLiteral("hr-copies"),
        QStringLiteral("Also start N servers like hr (hr-2, hr-3, ...), each on its own port and protected "
                       "like hr: many servers for one sign-in (the 20-servers benchmark). With --port they "
                       "listen on BASE+5 onwards."),
        QStringLiteral("N"), QStringLiteral("0"));
    const QCommandLineOption printScenarioOption(QStringLiteral("print-scenario"),
        QStringLiteral("Print the scenario (the built-in one, or --scenario FILE checked) as JSON and exit: "
                       "a starting point for your own."));
    const QCommandLineOption signInAsOption(QStringLiteral("sign-in-as"),
        QStringLiteral("Sign-in robot instead of the lab: open URL (an authorization URL of a running lab), sign "
                       "in as USER on its pages and follow the redirect back to the app, then exit. Use it as "
                       "the app's browser where there is none: lanyard-cli login --open-with "
                       "\"lanyard-lab --sign-in-as USER\"."),
        QStringLiteral("USER"));
    const QCommandLineOption mfaOption(QStringLiteral("mfa"),
        QStringLiteral("Sign-in robot: answer an MFA page with approve (default) or deny."), QStringLiteral("ANSWER"),
        QStringLiteral("approve"));
    const QCommandLineOption consentOption(QStringLiteral("consent"),
        QStringLiteral("Sign-in robot: answer a consent page with accept (default) or decline."),
        QStringLiteral("ANSWER"), QStringLiteral("accept"));
    const QCommandLineOption faultOption(QStringLiteral("fault"),
        QStringLiteral("Inject a fault (repeatable): TARGET:KIND[@METHOD], e.g. hr:malformed-json@tools/call, "
                       "idp:down, sts:refuse. Kinds: %1. See docs/reliability.md.")
            .arg(Lab::faultKinds().join(QStringLiteral(", "))),
        QStringLiteral("SPEC"));
    parser.addOptions({ portOption, configOption, scenarioOption, noIdentityOption, latencyOption, toolsOption,
        hrCopiesOption, faultOption, printScenarioOption, signInAsOption, mfaOption, consentOption });
    parser.addPositionalArgument(
        QStringLiteral("URL"), QStringLiteral("With --sign-in-as: the authorization URL."), QStringLiteral("[URL]"));
    parser.process(app); // --help / --version print and exit here

    if (parser.isSet(signInAsOption)) {
        if (parser.positionalArguments().size() != 1)
            return usageError(QStringLiteral("--sign-in-as needs exactly one authorization URL after the options."));
        SignInRobot::Choices choices;
        choices.username = parser.value(signInAsOption);
        choices.mfa = parser.value(mfaOption);
        choices.consent = parser.value(consentOption);
        if (choices.mfa != QLatin1String("approve") && choices.mfa != QLatin1String("deny"))
            return usageError(QStringLiteral("--mfa takes approve or deny."));
        if (choices.consent != QLatin1String("accept") && choices.consent != QLatin1String("decline"))
            return usageError(QStringLiteral("--consent takes accept or decline."));
        SignInRobot robot;
        QString message;
        const bool ok = robot.run(QUrl(parser.positionalArguments().first()), choices, &message);
        QTextStream(stderr) << "lanyard-lab sign-in robot: " << message << '\n';
        return ok ? 0 : 1;
    }
    if (!parser.positionalArguments().isEmpty())
        return usageError(QStringLiteral("unexpected argument '%1'.").arg(parser.positionalArguments().first()));
    LabOptions options;
    int port = 0;
    if (!parseNumber(parser.value(portOption), 0, 65533, &port))
        return usageError(QStringLiteral("--port needs a number from 0 to 65533."));
    options.basePort = quint16(port);
    if (!parseNumber(parser.value(latencyOption), 0, 600000, &options.latencyMs))
        return usageError(QStringLiteral("--latency needs milliseconds from 0 to 600000."));
    if (!parseNumber(parser.value(toolsOption), 0, 1000000, &options.benchTools))
        return usageError(QStringLiteral("--tools needs a number from 0 to 1000000."));
    if (!parseNumber(parser.value(hrCopiesOption), 0, Lab::kMaxHrCopies, &options.hrCopies))
        return usageError(QStringLiteral("--hr-copies needs a number from 0 to %1.").arg(Lab::kMaxHrCopies));

    QTextStream out(stdout);
    options.identity = !parser.isSet(noIdentityOption);
    if (parser.isSet(scenarioOption)) {
        if (!options.identity)
            return usageError(
                QStringLiteral("--scenario describes the identity lab; it cannot go with --no-identity."));
        QString scenarioError;
        options.scenario = Scenario::load(parser.value(scenarioOption), &scenarioError);
        if (!options.scenario)
            return usageError(scenarioError);
    }
    if (parser.isSet(printScenarioOption)) {
        out << dumpJson((options.scenario ? *options.scenario : Scenario::builtIn()).toJson(), 2) << Qt::endl;
        return 0;
    }

    Lab lab;
    QString error;
    if (!lab.start(options, &error)) {
        QTextStream(stderr) << "lanyard-lab: " << error << '\n';
        return 1;
    }
    for (const QString& spec : parser.values(faultOption)) {
        if (!lab.applyFault(spec, &error)) {
            lab.stop();
            return usageError(error);
        }
        out << "fault " << spec << Qt::endl;
    }
    const bool temporaryConfig = !parser.isSet(configOption);
    const QString configPath = temporaryConfig
        ? QDir::temp().filePath(QStringLiteral("lanyard-lab-%1.json").arg(QCoreApplication::applicationPid()))
        : parser.value(configOption);
    if (!lab.writeConfig(configPath, &error)) {
        QTextStream(stderr) << "lanyard-lab: " << error << '\n';
        return 1;
    }

    out << "lanyard-lab " << QCoreApplication::applicationVersion() << Qt::endl;
    if (parser.isSet(scenarioOption))
        out << "scenario " << QFileInfo(parser.value(scenarioOption)).absoluteFilePath() << Qt::endl;
    if (IdentityLab* identity = lab.identity()) {
        out << "identity authority " << identity->authority().toString() << Qt::endl;
        out << "identity token-service " << identity->tokenServiceIssuer() << Qt::endl;
        out << "identity client-id " << identity->lanyardClientId() << Qt::endl;
        for (const LabUser& user : identity->scenario().users)
            out << "user " << user.username << " (" << user.displayName << ')' << Qt::endl;
    }
    for (const LabEndpoint& e : lab.endpoints())
        out << "endpoint " << e.name << ' ' << e.url.toString() << Qt::endl;
    if (lab.identity()) {
        for (const LabEndpoint& e : lab.endpoints())
            out << "protection " << e.name << ' ' << lab.protection(e.name) << Qt::endl;
    }
    out << "config " << QDir::toNativeSeparators(QFileInfo(configPath).absoluteFilePath()) << Qt::endl;
    out << "ready (Ctrl-C to stop)" << Qt::endl;

    lanyard::SignalWatcher watcher({ SIGINT, SIGTERM, SIGHUP });
    QObject::connect(&watcher, &lanyard::SignalWatcher::signalReceived, &app, [](int) { QCoreApplication::quit(); });

    const int rc = QCoreApplication::exec();
    lab.stop();
    if (temporaryConfig)
        QFile::remove(configPath);
    QTextStream(stderr) << "lanyard-lab: stopped\n";
    return rc;
}
