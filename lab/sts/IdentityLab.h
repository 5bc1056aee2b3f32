// SPDX-License-Identifier: MIT
#pragma once

#include "http/HttpServer.h"
#include "idp/Scenario.h"
#include "sts/JwtValidator.h"
#include "util/Json.h"

#include <QObject>
#include <QString>
#include <QUrl>

#include <memory>

namespace lanyard {
class Clock;
}

namespace lanyard::lab {

class IdentityProvider;
class TokenService;

// The whole identity side of lanyard-lab in one object: the Entra-like IdP and the RFC 8693
// token service, each on its own loopback HttpServer, sharing one scenario.
//
//   IdentityLab lab;                       // built-in scenario (or IdentityLab lab(Scenario::load(...)))
//   if (!lab.start(0, 0, &error)) ...      // ports 0 = any free port
//   lab.registerServer("hr", hrServer->baseUrl().toString() + "/mcp");  // a demo server is up
//   JwtValidator* v = new JwtValidator(lab.tokenServiceValidatorConfig(resource), parent);
//
// Knobs live on idp() and tokenService(); the transport-level ones (down, latency, faults) here.
class IdentityLab : public QObject
{
    Q_OBJECT
public:
    // `clock` may be null (system clock); it must outlive the lab.
    explicit IdentityLab(
        Scenario scenario = Scenario::builtIn(), const Clock* clock = nullptr, QObject* parent = nullptr);
    ~IdentityLab() override;

    // Listens on 127.0.0.1 (port 0 = any free port) and wires the token service to trust the IdP.
    bool start(quint16 idpPort = 0, quint16 tokenServicePort = 0, QString* error = nullptr);
    void stop();
    bool isRunning() const;

    IdentityProvider* idp() const { return m_idp; }
    TokenService* tokenService() const { return m_sts; }
    HttpServer* idpServer() const { return m_idpServer; }
    HttpServer* tokenServiceServer() const { return m_stsServer; }
    Scenario& scenario() { return *m_scenario; }
    const Clock* clock() const { return m_clock; }

    // ---- What a client needs ---------------------------------------------------------------
    QString tenantId() const;
    QUrl idpBaseUrl() const;
    QUrl authority(const QString& tenant = {}) const; // <idp>/<tenant>/v2.0
    QString idpIssuer() const; // <idp>/<tenant GUID>/v2.0
    QString lanyardClientId() const; // the "lanyard" app of the scenario
    // The scope Lanyard asks the IdP for to get a subject token for the token service:
    // "<token service app id URI>/.default".
    QString tokenServiceScope() const;
    QString tokenServiceIssuer() const;
    QUrl tokenServiceTokenUrl() const;

    // ---- Wiring demo servers ------------------------------------------------------------------
    // A demo server started at `resource` (its canonical URL, e.g. http://127.0.0.1:5001/mcp).
    // `name` is a scenario token-service server ("hr", "docs"); if the scenario has none of that
    // name, one is added for `appKey` with that app's scopes. False if neither exists.
    bool registerServer(const QString& name, const QString& resource, const QString& appKey = {});
    // One more server like the scenario's token-service server `of` (same app, scopes and role
    // map) under a new name, at `resource`. False if the scenario has no server `of`.
    bool registerCopy(const QString& name, const QString& resource, const QString& of);
    // Validation settings for a server that takes IdP tokens directly (aud = the app's id GUID,
    // iss = the IdP tenant issuer, RS256). `resourceMetadataUrl` goes into its challenges.
    JwtValidatorConfig entraValidatorConfig(const QString& appKey, const QString& resourceMetadataUrl = {}) const;
    // Validation settings for a server that takes token-service tokens (aud = its resource URL,
    // iss = the token service, ES256).
    JwtValidatorConfig tokenServiceValidatorConfig(
        const QString& resource, const QString& resourceMetadataUrl = {}) const;
    // RFC 9728 protected resource metadata for a demo server: authorization_servers names the IdP
    // authority (viaTokenService false; scopes "<app id URI>/<scope>") or the token service.
    json protectedResourceMetadata(const QString& resource, const QString& appKeyOrServer, bool viaTokenService) const;

    // ---- Transport knobs ------------------------------------------------------------------------
    // Stops the IdP listening (connections are refused) / listens again on the same port.
    bool setIdpDown(bool down);
    bool isIdpDown() const { return m_idpDown; }
    void setIdpLatency(int ms);
    void setIdpFaults(const HttpFaults& faults);
    void setTokenServiceFaults(const HttpFaults& faults);

    // Endpoints, ids and users as JSON (for lanyard-lab's banner and --print-config).
    json describe() const;

private:
    std::shared_ptr<Scenario> m_scenario;
    const Clock* m_clock;
    HttpServer* m_idpServer;
    HttpServer* m_stsServer;
    IdentityProvider* m_idp;
    TokenService* m_sts;
    quint16 m_idpPort = 0;
    bool m_idpDown = false;
    bool m_trustWired = false;
};

} // namespace lanyard::lab
