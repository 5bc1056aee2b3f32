// SPDX-License-Identifier: MIT
#include "idp/EntraError.h"

#include <QUuid>

namespace lanyard::lab {

namespace {

QString newId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

} // namespace

QString entraTimestamp(const QDateTime& now)
{
    return now.toUTC().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss'Z'"));
}

QString EntraError::description() const
{
    return QStringLiteral("AADSTS%1: %2").arg(code).arg(message);
}

EntraError EntraError::make(int httpStatus, const QString& error, int code, const QString& message)
{
    EntraError e;
    e.httpStatus = httpStatus;
    e.error = error;
    e.code = code;
    e.message = message;
    return e;
}

json EntraError::toJson(const QDateTime& now, const QString& errorUriBase, const QString& correlationId) const
{
    const QString trace = newId();
    const QString correlation = correlationId.isEmpty() ? newId() : correlationId;
    const QString ts = entraTimestamp(now);
    json body = json::object();
    body["error"] = ss(error);
    body["error_description"] = ss(
        QStringLiteral("%1 Trace ID: %2 Correlation ID: %3 Timestamp: %4").arg(description(), trace, correlation, ts));
    body["error_codes"] = json::array({ code });
    body["timestamp"] = ss(ts);
    body["trace_id"] = ss(trace);
    body["correlation_id"] = ss(correlation);
    if (!errorUriBase.isEmpty())
        body["error_uri"] = ss(QStringLiteral("%1/error?code=%2").arg(errorUriBase).arg(code));
    for (auto it = extra.begin(); it != extra.end(); ++it)
        body[it.key()] = it.value();
    return body;
}

QList<QPair<QString, QString>> EntraError::toRedirectParams(
    const QDateTime& now, const QString& state, const QString& errorUriBase) const
{
    const QString ts = entraTimestamp(now);
    QList<QPair<QString, QString>> q;
    q.push_back({ QStringLiteral("error"), error });
    q.push_back({ QStringLiteral("error_description"),
        QStringLiteral("%1\r\nTrace ID: %2\r\nCorrelation ID: %3\r\nTimestamp: %4")
            .arg(description(), newId(), newId(), ts) });
    if (!errorUriBase.isEmpty())
        q.push_back({ QStringLiteral("error_uri"), QStringLiteral("%1/error?code=%2").arg(errorUriBase).arg(code) });
    if (!state.isEmpty())
        q.push_back({ QStringLiteral("state"), state });
    return q;
}

namespace entra {

EntraError missingParameter(const QString& name)
{
    return EntraError::make(400, QStringLiteral("invalid_request"), 900144,
        QStringLiteral("The request body must contain the following parameter: '%1'.").arg(name));
}

EntraError resourceParameterNotSupported()
{
    return EntraError::make(400, QStringLiteral("invalid_request"), 901002,
        QStringLiteral("The 'resource' request parameter is not supported."));
}

EntraError multipleResources(const QString& scope)
{
    return EntraError::make(400, QStringLiteral("invalid_scope"), 700022,
        QStringLiteral("The provided value for the input parameter scope is not valid because it "
                       "contains more than one resource. Scope %1 is not valid.")
            .arg(scope));
}

EntraError invalidScope(const QString& detail)
{
    return EntraError::make(400, QStringLiteral("invalid_scope"), 70011,
        QStringLiteral("The provided request must include a 'scope' input parameter. The provided "
                       "value for the input parameter 'scope' is not valid: %1.")
            .arg(detail));
}

EntraError resourceNotFound(const QString& resource, const QString& tenant)
{
    return EntraError::make(400, QStringLiteral("invalid_resource"), 500011,
        QStringLiteral("The resource principal named %1 was not found in the tenant named %2. This "
                       "can happen if the application has not been installed by the administrator "
                       "of the tenant or consented to by any user in the tenant. You might have sent "
                       "your authentication request to the wrong tenant.")
            .arg(resource, tenant));
}

EntraError appNotFound(const QString& clientId, const QString& tenant)
{
    return EntraError::make(400, QStringLiteral("unauthorized_client"), 700016,
        QStringLiteral("Application with identifier '%1' was not found in the directory '%2'. This "
                       "can happen if the application has not been installed by the administrator "
                       "of the tenant or consented to by any user in the tenant. You may have sent "
                       "your authentication request to the wrong tenant.")
            .arg(clientId, tenant));
}

EntraError redirectUriMismatch(const QString& uri, const QString& clientId)
{
    return EntraError::make(400, QStringLiteral("invalid_request"), 50011,
        QStringLiteral("The redirect URI '%1' specified in the request does not match the redirect "
                       "URIs configured for the application '%2'. Make sure the redirect URI sent in "
                       "the request matches one added to your application in the Azure portal.")
            .arg(uri, clientId));
}

EntraError pkceVerifierMismatch()
{
    return EntraError::make(400, QStringLiteral("invalid_grant"), 501481,
        QStringLiteral("The Code_Verifier does not match the code_challenge supplied in the "
                       "authorization request."));
}

EntraError pkceRequired(const QString& detail)
{
    return EntraError::make(400, QStringLiteral("invalid_request"), 9002325,
        QStringLiteral("Proof Key for Code Exchange is required: %1 (lanyard-lab accepts only "
                       "code_challenge_method=S256).")
            .arg(detail));
}

EntraError pkceChallengeInvalid()
{
    return EntraError::make(
        400, QStringLiteral("invalid_request"), 501491, QStringLiteral("Invalid size of Code_Challenge parameter."));
}

EntraError codeAlreadyRedeemed()
{
    return EntraError::make(400, QStringLiteral("invalid_grant"), 54005,
        QStringLiteral("OAuth2 Authorization code was already redeemed, please retry with a new "
                       "valid code or use an existing refresh token."));
}

EntraError unsupportedGrantType(const QString& grantType)
{
    return EntraError::make(400, QStringLiteral("unsupported_grant_type"), 70003,
        QStringLiteral("The app requested an unsupported grant type '%1'.").arg(grantType));
}

EntraError secretRequired()
{
    return EntraError::make(401, QStringLiteral("invalid_client"), 7000218,
        QStringLiteral("The request body must contain the following parameter: 'client_assertion' "
                       "or 'client_secret'."));
}

EntraError publicClientSentSecret()
{
    return EntraError::make(401, QStringLiteral("invalid_client"), 700025,
        QStringLiteral("Client is public so neither 'client_assertion' nor 'client_secret' should "
                       "be presented."));
}

EntraError invalidClientSecret(const QString& clientId)
{
    return EntraError::make(401, QStringLiteral("invalid_client"), 7000215,
        QStringLiteral("Invalid client secret provided. Ensure the secret being sent in the request "
                       "is the client secret value, not the client secret ID, for a secret added to "
                       "app '%1'.")
            .arg(clientId));
}

EntraError mfaRequired(const QString& resourceName)
{
    EntraError e = EntraError::make(400, QStringLiteral("invalid_grant"), 50076,
        QStringLiteral("Due to a configuration change made by your administrator, or "
                       "because you moved to a new location, you must use multi-factor "
                       "authentication to access '%1'.")
            .arg(resourceName));
    e.extra["suberror"] = "basic_action";
    e.extra["claims"] = R"({"access_token":{"acrs":{"essential":true,"value":"c1"}}})";
    return e;
}

EntraError consentRequired(const QString& clientId, const QString& clientName, bool redirect)
{
    return EntraError::make(400, redirect ? QStringLiteral("consent_required") : QStringLiteral("invalid_grant"), 65001,
        QStringLiteral("The user or administrator has not consented to use the application with ID "
                       "'%1' named '%2'. Send an interactive authorization request for this user "
                       "and resource.")
            .arg(clientId, clientName));
}

EntraError consentDeclined()
{
    return EntraError::make(
        400, QStringLiteral("access_denied"), 65004, QStringLiteral("User declined to consent to access the app."));
}

EntraError mfaDenied()
{
    return EntraError::make(400, QStringLiteral("access_denied"), 500121,
        QStringLiteral("Authentication failed during strong authentication request."));
}

EntraError tenantNotFound(const QString& tenant)
{
    return EntraError::make(400, QStringLiteral("invalid_tenant"), 90002,
        QStringLiteral("Tenant '%1' not found. Check to make sure you have the correct tenant ID "
                       "and are signing into the correct cloud.")
            .arg(tenant));
}

EntraError malformedRequest(const QString& detail)
{
    return EntraError::make(400, QStringLiteral("invalid_request"), 9002313,
        QStringLiteral("Invalid request. Request is malformed or invalid: %1.").arg(detail));
}

EntraError postOnly(const QString& method)
{
    return EntraError::make(400, QStringLiteral("invalid_request"), 900561,
        QStringLiteral("The endpoint only accepts POST requests. Received a %1 request.").arg(method));
}

EntraError invalidGrant(const QString& detail)
{
    return EntraError::make(400, QStringLiteral("invalid_grant"), 70000,
        QStringLiteral("Provided grant is invalid or malformed: %1.").arg(detail));
}

EntraError codeExpired()
{
    return EntraError::make(400, QStringLiteral("invalid_grant"), 70008,
        QStringLiteral("The provided authorization code or refresh token has expired due to "
                       "inactivity. Send a new interactive authorization request for this user "
                       "and resource."));
}

EntraError refreshTokenExpired()
{
    return EntraError::make(400, QStringLiteral("invalid_grant"), 700082,
        QStringLiteral("The refresh token has expired due to inactivity. Send a new interactive "
                       "authorization request for this user and resource."));
}

EntraError grantRevoked()
{
    return EntraError::make(400, QStringLiteral("invalid_grant"), 50173,
        QStringLiteral("The provided grant has expired due to it being revoked, a fresh auth token "
                       "is needed. The user might have changed or reset their password."));
}

EntraError loginRequired()
{
    return EntraError::make(400, QStringLiteral("login_required"), 50058,
        QStringLiteral("A silent sign-in request was sent but no user is signed in."));
}

EntraError unsupportedResponseType(const QString& type)
{
    return EntraError::make(400, QStringLiteral("unsupported_response_type"), 700054,
        QStringLiteral("response_type '%1' is not enabled for the application.").arg(type));
}

EntraError invalidPrompt(const QString& prompt)
{
    return EntraError::make(400, QStringLiteral("invalid_request"), 90023,
        QStringLiteral("Invalid value '%1' for the 'prompt' parameter.").arg(prompt));
}

EntraError defaultScopeWithoutPermissions(const QString& resource)
{
    return EntraError::make(400, QStringLiteral("invalid_client"), 650057,
        QStringLiteral("Invalid resource. The client has requested access to a resource which is "
                       "not listed in the requested permissions in the client's application "
                       "registration. Resource value from request: %1.")
            .arg(resource));
}

EntraError requestedTokenUseMissing()
{
    return EntraError::make(400, QStringLiteral("invalid_request"), 90014,
        QStringLiteral("The required field 'requested_token_use' is missing from the credential. "
                       "Ensure that you have all the necessary parameters for the login request."));
}

EntraError assertionInvalid(const QString& detail)
{
    return EntraError::make(400, QStringLiteral("invalid_grant"), 50013,
        QStringLiteral("Assertion failed signature validation: %1.").arg(detail));
}

EntraError assertionExpired()
{
    return EntraError::make(400, QStringLiteral("invalid_grant"), 500133,
        QStringLiteral("Assertion is not within its valid time range. Ensure that the access token "
                       "is not expired before using it for user assertion."));
}

EntraError userDisabled()
{
    return EntraError::make(
        400, QStringLiteral("invalid_grant"), 50057, QStringLiteral("The user account is disabled."));
}

EntraError notInLab(const QString& what)
{
    return EntraError::make(400, QStringLiteral("invalid_request"), 9002313,
        QStringLiteral("Invalid request. %1 is not provided by lanyard-lab.").arg(what));
}

} // namespace entra

} // namespace lanyard::lab
