// SPDX-License-Identifier: MIT
#include "Lab.h"

#include "util/Logging.h"

#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

namespace lanyard::lab {

Lab::Lab(QObject* parent)
    : QObject(parent)
{
}

Lab::~Lab()
{
    stop();
}

QStringList Lab::serverNames()
{
    return { QStringLiteral("hr"), QStringLiteral("docs"), QStringLiteral("bench") };
}

bool Lab::start(const LabOptions& options, QString* error)
{
    if (isRunning())
        return true;
    m_options = options;
    if (options.basePort != 0 && int(options.basePort) + 2 > 65535) {
        if (error)
            *error = tr("The base port %1 is too high: the lab needs three ports from it.").arg(options.basePort);
        return false;
    }
    const QStringList names = serverNames();
    for (int i = 0; i < names.size(); ++i) {
        Entry e;
        e.name = names[i];
        e.http = std::make_unique<HttpServer>();
        if (e.name == QLatin1String("hr"))
            e.server = std::make_unique<HrDemoServer>();
        else if (e.name == QLatin1String("docs"))
            e.server = std::make_unique<DocsDemoServer>();
        else
            e.server = std::make_unique<BenchDemoServer>(qMax(0, options.benchTools));
        e.http->setName(e.server->options().name); // one tag per server in the log
        e.server->attach(e.http.get());
        if (options.configureServer)
            options.configureServer(e.name, *e.server);
        if (options.latencyMs > 0) {
            HttpFaults faults;
            faults.latencyMs = options.latencyMs;
            e.http->setFaults(faults);
        }
        const quint16 port = options.basePort == 0 ? 0 : quint16(options.basePort + i);
        QString listenError;
        if (!e.http->listen(port, &listenError)) {
            if (error)
                *error = tr("The %1 server could not start: %2").arg(e.name, listenError);
            stop();
            return false;
        }
        m_servers.push_back(std::move(e));
    }
    for (const auto& e : m_servers)
        qCInfo(lcLab).noquote() << QStringLiteral("[%1]").arg(e.server->options().name) << "listening on"
                                << e.server->endpointUrl().toString();
    return true;
}

void Lab::stop()
{
    // Servers first (they end their sessions and streams), then the sockets.
    for (auto& e : m_servers) {
        e.server.reset();
        e.http.reset();
    }
    m_servers.clear();
}

const Lab::Entry* Lab::find(const QString& name) const
{
    for (const auto& e : m_servers) {
        if (e.name == name)
            return &e;
    }
    return nullptr;
}

QList<LabEndpoint> Lab::endpoints() const
{
    QList<LabEndpoint> out;
    for (const auto& e : m_servers)
        out << LabEndpoint { e.name, e.server->options().title, e.server->endpointUrl() };
    return out;
}

QUrl Lab::url(const QString& name) const
{
    const Entry* e = find(name);
    return e ? e->server->endpointUrl() : QUrl();
}

McpServer* Lab::server(const QString& name) const
{
    const Entry* e = find(name);
    return e ? e->server.get() : nullptr;
}

HttpServer* Lab::http(const QString& name) const
{
    const Entry* e = find(name);
    return e ? e->http.get() : nullptr;
}

HrDemoServer* Lab::hr() const
{
    return static_cast<HrDemoServer*>(server(QStringLiteral("hr")));
}

DocsDemoServer* Lab::docs() const
{
    return static_cast<DocsDemoServer*>(server(QStringLiteral("docs")));
}

BenchDemoServer* Lab::bench() const
{
    return static_cast<BenchDemoServer*>(server(QStringLiteral("bench")));
}

json Lab::lanyardConfig() const
{
    json servers = json::array();
    for (const auto& e : m_servers) {
        json auth = m_options.authConfigFor ? m_options.authConfigFor(e.name) : json();
        if (!auth.is_object())
            auth = { { "type", "none" } };
        servers.push_back({ { "name", e.name.toStdString() },
            { "url", e.server->endpointUrl().toString().toStdString() }, { "auth", auth } });
    }
    return { { "servers", servers } };
}

bool Lab::writeConfig(const QString& path, QString* error) const
{
    const QFileInfo info(path);
    if (!QDir().mkpath(info.absolutePath())) {
        if (error)
            *error = tr("Could not create the folder %1 for the config file.").arg(info.absolutePath());
        return false;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        if (error)
            *error = tr("Could not write the config file %1: %2").arg(path, file.errorString());
        return false;
    }
    file.write(dumpJson(lanyardConfig(), 2) + '\n');
    if (!file.commit()) {
        if (error)
            *error = tr("Could not write the config file %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

} // namespace lanyard::lab
