// SPDX-License-Identifier: MIT
#pragma once

#include "util/Json.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QPair>
#include <QString>

// Errors in the shape Microsoft Entra ID answers with:
//   {"error":"invalid_grant","error_description":"AADSTS54005: ... Trace ID: ... Correlation ID: ...
//    Timestamp: ...","error_codes":[54005],"timestamp":"2026-11-26 12:00:00Z","trace_id":"...",
//    "correlation_id":"...","error_uri":"<authority host>/error?code=54005"}
// and, on the authorize endpoint, as error / error_description / state on the redirect URI.
namespace lanyard::lab {

struct EntraError
{
    int httpStatus = 400;
    QString error; // OAuth error code: invalid_request, invalid_grant, ...
    int code = 0; // the AADSTS number
    QString message; // the text after "AADSTSnnnn: "
    json extra = json::object(); // further members (suberror, claims)

    bool isSet() const { return code != 0; }
    // "AADSTS54005: <message>"
    QString description() const;

    // JSON body with fresh trace and correlation ids. `errorUriBase` (the IdP's base URL) gives
    // error_uri; `correlationId` is echoed when the client sent client-request-id.
    json toJson(const QDateTime& now, const QString& errorUriBase = {}, const QString& correlationId = {}) const;
    // error, error_description (with the trace lines Entra appends), error_uri and state for the
    // redirect URI.
    QList<QPair<QString, QString>> toRedirectParams(
        const QDateTime& now, const QString& state, const QString& errorUriBase = {}) const;

    static EntraError make(int httpStatus, const QString& error, int code, const QString& message);
};

// Entra's timestamp format: "2026-11-26 12:00:00Z".
QString entraTimestamp(const QDateTime& now);

// The errors the lab reproduces (texts follow Entra's; the lab's additions say "lab").
namespace entra {
EntraError missingParameter(const QString& name); // 900144
EntraError resourceParameterNotSupported(); // 901002
EntraError multipleResources(const QString& scope); // 700022
EntraError invalidScope(const QString& detail); // 70011
EntraError resourceNotFound(const QString& resource, const QString& tenant); // 500011
EntraError appNotFound(const QString& clientId, const QString& tenant); // 700016
EntraError redirectUriMismatch(const QString& uri, const QString& clientId); // 50011
EntraError pkceVerifierMismatch(); // 501481
EntraError pkceRequired(const QString& detail); // 9002325
EntraError pkceChallengeInvalid(); // 501491
EntraError codeAlreadyRedeemed(); // 54005
EntraError unsupportedGrantType(const QString& grantType); // 70003
EntraError secretRequired(); // 7000218
EntraError publicClientSentSecret(); // 700025
EntraError invalidClientSecret(const QString& clientId); // 7000215
EntraError mfaRequired(const QString& resourceName); // 50076
EntraError consentRequired(const QString& clientId, const QString& clientName, bool redirect); // 65001
EntraError consentDeclined(); // 65004
EntraError mfaDenied(); // 500121
EntraError tenantNotFound(const QString& tenant); // 90002
EntraError malformedRequest(const QString& detail); // 9002313
EntraError postOnly(const QString& method); // 900561
EntraError invalidGrant(const QString& detail); // 70000
EntraError codeExpired(); // 70008
EntraError refreshTokenExpired(); // 700082
EntraError grantRevoked(); // 50173
EntraError loginRequired(); // 50058
EntraError unsupportedResponseType(const QString& type); // 700054
EntraError invalidPrompt(const QString& prompt); // 90023
EntraError defaultScopeWithoutPermissions(const QString& resource); // 650057
EntraError requestedTokenUseMissing(); // 90014
EntraError assertionInvalid(const QString& detail); // 50013
EntraError assertionExpired(); // 500133
EntraError userDisabled(); // 50057
EntraError notInLab(const QString& what); // 9002313 (lab: not provided)
} // namespace entra

} // namespace lanyard::lab
