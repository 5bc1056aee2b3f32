// SPDX-License-Identifier: MIT
// lanyard-lab: the demo MCP servers on loopback, with a ready Lanyard config.
#include "Lab.h"
#include "SignalWatcher.h"

#include "lanyard/Version.h"
#include "util/Json.h"

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
        "Demo MCP servers (hr, docs, bench) on 127.0.0.1, for trying Lanyard without an Entra tenant.\n"
        "Prints one line 'endpoint NAME URL' per server, 'config PATH' and then 'ready'. Ctrl-C stops."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption portOption(QStringLiteral("port"),
        QStringLiteral("First port: hr on BASE, docs on BASE+1, bench on BASE+2. "
                       "0 (default) picks free ports."),
        QStringLiteral("BASE"), QStringLiteral("0"));
    const QCommandLineOption configOption(QStringLiteral("config-out"),
        QStringLiteral("Write a ready Lanyard config here (kept after exit). "
                       "Default: a temporary file removed on exit."),
        QStringLiteral("FILE"));
    const QCommandLineOption scenarioOption(QStringLiteral("scenario"),
        QStringLiteral("Scenario file (JSON). Read and checked; not applied yet."), QStringLiteral("FILE"));
    const QCommandLineOption latencyOption(QStringLiteral("latency"),
        QStringLiteral("Add this many milliseconds to every answer."), QStringLiteral("MS"), QStringLiteral("0"));
    const QCommandLineOption toolsOption(QStringLiteral("tools"),
        QStringLiteral("Number of tools on the bench server."), QStringLiteral("N"), QStringLiteral("1000"));
    parser.addOptions({ portOption, configOption, scenarioOption, latencyOption, toolsOption });
    parser.process(app); // --help / --version print and exit here

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

    QTextStream out(stdout);
    if (parser.isSet(scenarioOption)) {
        QFile file(parser.value(scenarioOption));
        if (!file.open(QIODevice::ReadOnly))
            return usageError(
                QStringLiteral("cannot read the scenario file %1: %2").arg(file.fileName(), file.errorString()));
        QString parseError;
        if (!parseJson(file.readAll(), &parseError))
            return usageError(
                QStringLiteral("the scenario file %1 is not JSON (%2).").arg(file.fileName(), parseError));
        out << "scenario " << file.fileName() << " (read; scenarios are not applied yet)" << Qt::endl;
    }

    Lab lab;
    QString error;
    if (!lab.start(options, &error)) {
        QTextStream(stderr) << "lanyard-lab: " << error << '\n';
        return 1;
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
    for (const LabEndpoint& e : lab.endpoints())
        out << "endpoint " << e.name << ' ' << e.url.toString() << Qt::endl;
    out << "config " << QDir::toNativeSeparators(QFileInfo(configPath).absoluteFilePath()) << Qt::endl;
    out << "ready (Ctrl-C to stop)" << Qt::endl;

    SignalWatcher watcher({ SIGINT, SIGTERM, SIGHUP });
    QObject::connect(&watcher, &SignalWatcher::signalReceived, &app, [](int) { QCoreApplication::quit(); });

    const int rc = QCoreApplication::exec();
    lab.stop();
    if (temporaryConfig)
        QFile::remove(configPath);
    QTextStream(stderr) << "lanyard-lab: stopped\n";
    return rc;
}
