// SPDX-License-Identifier: MIT
#pragma once

#include "http/HttpServer.h"
#include "idp/Scenario.h"
#include "mcp/DemoServers.h"
#include "mcp/McpServer.h"
#include "util/Clock.h"
#include "util/Json.h"

#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace lanyard::lab {

struct LabOptions
{
    // hr listens on basePort, docs on basePort + 1, bench on basePort + 2; 0 = free ports.
    quint16 basePort = 0;
    int latencyMs = 0; // added to every answer (fault hook)
    int benchTools = 1000; // tools on the bench server
    // More servers like hr: "hr-2", "hr-3", ... up to "hr-<hrCopies + 1>", each on its own port and,
    // with `identity`, protected exactly like hr (token-service tokens issued for its own URL). The
    // "sign-in + token for 20 servers at once" benchmark uses 19 of them (lanyard-lab --hr-copies).
    int hrCopies = 0;
    // Runs for each MCP server after it is built and before it listens: plug in the auth hook
    // (server.setAuthHook), metadata (server.mutableOptions().authorizationServers, scopesSupported,
    // scopePrefix, resource), extra tools, ...
    std::function<void(const QString& name, McpServer& server)> configureServer;
    // The `auth` block written into the generated Lanyard config per server. Default {"type":"none"},
    // or with `identity` the block that fits how the server is protected (see Lab::start).
    std::function<json(const QString& name)> authConfigFor;

    // Also start the identity lab (Entra-like IdP + RFC 8693 token service) and protect hr and docs
    // with it: hr takes only token-service tokens issued for it, docs only IdP (Entra) tokens for
    // its app. bench stays open (it is the benchmark target). The IdP listens on basePort + 3, the
    // token service on basePort + 4 (free ports when basePort is 0).
    bool identity = false;
    std::optional<Scenario> scenario; // default Scenario::builtIn()
};

struct LabEndpoint
{
    QString name; // "hr", "docs", "bench"
    QString title;
    QUrl url; // http://127.0.0.1:<port>/mcp
};

// The whole lab in one object: the demo MCP servers, each on its own loopback port.
// Tests: `Lab lab; QVERIFY(lab.start({}, &error)); ... lab.url("hr") ...` — stop() or destruction ends it.
class IdentityLab;

class Lab : public QObject
{
    Q_OBJECT
public:
    explicit Lab(QObject* parent = nullptr);
    ~Lab() override;

    bool start(const LabOptions& options = {}, QString* error = nullptr);
    void stop();
    bool isRunning() const { return !m_servers.empty(); }

    static QStringList serverNames();
    // "hr" for "hr", "hr-2", "hr-3", ... (the copies of LabOptions::hrCopies); the name otherwise.
    static QString kindOf(const QString& name);
    static constexpr int kMaxHrCopies = 200;
    QList<LabEndpoint> endpoints() const;
    QUrl url(const QString& name) const;
    McpServer* server(const QString& name) const;
    HttpServer* http(const QString& name) const;
    HrDemoServer* hr() const;
    DocsDemoServer* docs() const;
    BenchDemoServer* bench() const;
    // The identity lab when started with LabOptions::identity, else null.
    IdentityLab* identity() const { return m_identity.get(); }
    // How a server is protected: "token-service", "entra" or "none".
    QString protection(const QString& name) const;

    // ---- Faults (lanyard-lab --fault SPEC; the fault campaign in docs/reliability.md) ----------
    // SPEC is TARGET:KIND[@METHOD]. TARGET: hr, docs, bench (an MCP server), idp, sts. KIND for any
    // target's HTTP: malformed-json, garbage-sse, cut, drip, huge, reset, 500, 502, 503,
    // wrong-content-type, redirect (to another origin), slow, down. idp only: rotate-keys,
    // clock-skew, revoke-sessions, mfa. sts only: refuse, expired-token, wrong-audience.
    // @METHOD limits an MCP-server fault to requests of that JSON-RPC method (e.g. @tools/call).
    // False with *error naming the problem for a bad SPEC or a target that is not running.
    bool applyFault(const QString& spec, QString* error = nullptr);
    void clearFaults();
    static QStringList faultKinds();

    // {"servers":[{"name":"hr","url":"http://127.0.0.1:P/mcp","auth":{"type":"none"}}, ...]}, plus
    // "identity" (authority, clientId) and each server's strategy when the identity lab runs.
    json lanyardConfig() const;
    bool writeConfig(const QString& path, QString* error = nullptr) const;

private:
    struct Entry
    {
        QString name;
        std::unique_ptr<HttpServer> http;
        std::unique_ptr<McpServer> server;
    };
    std::vector<Entry> m_servers;
    // The identity lab's time: the system clock plus an offset (the clock-skew fault).
    class SkewedClock : public Clock
    {
    public:
        QDateTime now() const override { return QDateTime::currentDateTimeUtc().addSecs(offsetSecs); }
        qint64 offsetSecs = 0;
    };
    SkewedClock m_identityClock;
    std::unique_ptr<IdentityLab> m_identity;
    QStringList m_mfaApps; // apps the mfa fault turned MFA on for
    QList<QPair<HttpServer*, quint16>> m_downServers; // the down fault: listen again here
    LabOptions m_options;
    const Entry* find(const QString& name) const;
    bool startIdentity(QString* error);
    json defaultAuthConfig(const QString& name) const;
    void protect(Entry& entry);
};

} // namespace lanyard::lab
