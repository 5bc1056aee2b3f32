// SPDX-License-Identifier: MIT
#include "auth/AuthError.h"

#include "util/Redact.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace lanyard::auth {

namespace {

QString tr(const char* text)
{
    return QCoreApplication::translate("lanyard::auth", text);
}

struct Row
{
    int code;
    const char* problem;
    const char* action;
    bool interactive;
};

// Entra ID error codes seen by desktop clients, with what to do. Source: the AADSTS error code
// reference (learn.microsoft.com/entra/identity-platform/reference-error-codes).
const Row kRows[] = {
    {65001, "You (or an administrator) have not yet consented to let Lanyard use this permission.",
     "Sign in again and accept the consent page. If your organisation blocks user consent, ask an administrator to "
     "grant consent for Lanyard.",
     true},
    {65004, "The consent page was declined, so Lanyard did not get the permission.",
     "Sign in again and accept the consent page, or ask an administrator to grant consent for Lanyard.", true},
    {50076, "Your organisation requires multi-factor authentication (MFA) for this resource.",
     "Sign in again in the browser and complete the MFA prompt.", true},
    {50079, "Your account must register for multi-factor authentication first.",
     "Sign in again in the browser and follow the MFA registration steps.", true},
    {50074, "Strong authentication (MFA) is required.", "Sign in again in the browser and complete the MFA prompt.", true},
    {500121, "Multi-factor authentication was not completed (denied or timed out).",
     "Sign in again and approve the MFA request.", true},
    {53003, "A Conditional Access policy of your organisation blocked the sign-in.",
     "Ask your administrator which device or location requirements apply.", false},
    {50058, "There is no signed-in session for a silent sign-in.", "Sign in again in the browser.", true},
    {50173, "Your sign-in was revoked (for example after a password change or an administrator action).",
     "Sign in again.", true},
    {50133, "Your sign-in is no longer valid because the password changed.", "Sign in again.", true},
    {50126, "The user name or password is wrong.", "Sign in again with the right account.", true},
    {50057, "The account is disabled.", "Ask your administrator to enable the account, or use another one.", false},
    {50105, "Your account is not assigned to this application.",
     "Ask your administrator to assign you to the application in Entra ID.", false},
    {700016, "The client ID is not known in this tenant: the application is not registered there (or the ID is wrong).",
     "Check \"clientId\" and \"authority\" in the identity settings; an administrator may need to add the application to the "
     "tenant.",
     false},
    {7000218, "The application is registered as a \"Web\" app, so Entra ID asks for a client secret that a desktop app "
              "cannot keep.",
     "In the app registration, add the redirect URI under \"Mobile and desktop applications\" (or enable \"Allow public "
     "client flows\").",
     false},
    {7000215, "The client secret is wrong.", "Check the secret in the keychain entry or environment variable named in "
                                             "the configuration.",
     false},
    {700025, "This is a public client, which must not send a client secret.",
     "Remove the client secret from the configuration for this application.", false},
    {700027, "The client assertion (private_key_jwt) was not accepted.",
     "Check that the private key matches the certificate or key registered for the application.", false},
    {70008, "The saved sign-in has expired (the refresh token is too old or was not used for a long time).",
     "Sign in again.", true},
    {700082, "The saved sign-in has expired because it was not used for 90 days.", "Sign in again.", true},
    {70000, "The authorization grant is not valid (expired or already used).", "Sign in again.", true},
    {70011, "A requested scope is not valid.", "Check the scopes in the configuration (for example "
                                               "api://<app>/.default).",
     false},
    {501481, "The PKCE code verifier did not match the code challenge.",
     "Start the sign-in again. If it keeps happening, report it: the sign-in request was changed on the way.", true},
    {54005, "The authorization code was already used.",
     "Start the sign-in again; do not reuse the browser's address after a sign-in finished.", true},
    {50011, "The redirect URI does not match the application's registration.",
     "Register http://localhost (or the configured loopback redirect path) under \"Mobile and desktop applications\".",
     false},
    {900144, "The request is missing a required parameter (for example \"scope\").",
     "This is a Lanyard or configuration error; check the scopes configured for the server.", false},
    {90014, "The request is missing a required field.", "Check the identity configuration.", false},
    {901002, "Entra ID's v2 endpoint does not accept the \"resource\" parameter.",
     "Use scopes (for example api://<app>/.default) instead of a resource; Lanyard never sends \"resource\" to Entra "
     "ID, so a proxy or configuration added it.",
     false},
    {700022, "A token request may name only one resource, but the scopes name several.",
     "Give each server scopes of a single resource (for example only api://<app>/...).", false},
    {70003, "The authorization server does not support this grant type.",
     "Check the server's auth type: Entra ID does not do RFC 8693 token exchange (use a token service or the On-Behalf-Of "
     "form).",
     false},
    {90002, "The tenant in the authority does not exist.", "Check \"authority\" in the identity settings.", false},
    {500011, "The resource (API) is not known in this tenant.",
     "Check the scope's application ID URI; the API's administrator may need to add it to the tenant.", false},
    {650057, "The application has not been given this permission in its registration.",
     "Add the permission to the app registration (API permissions), then consent again.", true},
    {9002313, "The request is malformed.", "This is likely a Lanyard or configuration error; check the identity settings.",
     false},
    {50020, "This account is not from a tenant the application accepts.",
     "Sign in with an account of the organisation, or use the \"organizations\" or \"common\" authority.", true},
    {90023, "The sign-in request has an invalid parameter.", "Check the identity configuration.", false},
};

const Row* findRow(int code)
{
    for (const Row& r : kRows) {
        if (r.code == code && r.problem[0] != '\0')
            return &r;
    }
    return nullptr;
}

} // namespace

int aadstsCodeIn(const QString& text)
{
    static const QRegularExpression re(QStringLiteral("AADSTS(\\d{4,8})"));
    const auto m = re.match(text);
    return m.hasMatch() ? m.captured(1).toInt() : 0;
}

std::optional<OAuthError> parseOAuthError(const QByteArray& body)
{
    const auto j = parseJson(body);
    if (!j || !j->is_object())
        return std::nullopt;
    auto it = j->find("error");
    if (it == j->end() || !it->is_string())
        return std::nullopt;
    OAuthError e;
    e.error = qs(*j, "error").left(200);
    e.description = qs(*j, "error_description").left(2000);
    e.errorUri = qs(*j, "error_uri").left(500);
    e.traceId = qs(*j, "trace_id").left(100);
    e.correlationId = qs(*j, "correlation_id").left(100);
    e.claims = qs(*j, "claims").left(4000);
    e.suberror = qs(*j, "suberror").left(100);
    if (auto codes = j->find("error_codes"); codes != j->end() && codes->is_array()) {
        for (const auto& c : *codes) {
            if (c.is_number_integer())
                e.aadstsCodes.append(c.get<int>());
        }
    }
    if (e.aadstsCodes.isEmpty()) {
        if (const int c = aadstsCodeIn(e.description))
            e.aadstsCodes.append(c);
    }
    return e;
}

OAuthError oauthErrorFromFields(const QString& error, const QString& description, const QString& errorUri,
                                const QString& errorCodes)
{
    OAuthError e;
    e.error = error.left(200);
    e.description = description.left(2000);
    e.errorUri = errorUri.left(500);
    for (const QString& c : errorCodes.split(QRegularExpression(QStringLiteral("[,\\s\\[\\]]+")), Qt::SkipEmptyParts)) {
        bool ok = false;
        const int n = c.toInt(&ok);
        if (ok)
            e.aadstsCodes.append(n);
    }
    if (e.aadstsCodes.isEmpty()) {
        if (const int c = aadstsCodeIn(description))
            e.aadstsCodes.append(c);
    }
    return e;
}

std::optional<AadstsExplanation> explainAadsts(int code)
{
    const Row* r = findRow(code);
    if (!r)
        return std::nullopt;
    return AadstsExplanation{r->code, tr(r->problem), tr(r->action), r->interactive};
}

QList<int> knownAadstsCodes()
{
    QList<int> codes;
    for (const Row& r : kRows) {
        if (r.problem[0] != '\0' && !codes.contains(r.code))
            codes.append(r.code);
    }
    return codes;
}

namespace {
// Plain-language text for standard OAuth error codes (no AADSTS code known).
QString standardProblem(const OAuthError& e, int httpStatus)
{
    const QString& err = e.error;
    if (err == QLatin1String("invalid_grant"))
        return tr("The authorization server refused the grant (invalid_grant): the sign-in or token it was given is "
                  "not valid for it (expired, revoked, already used, or not trusted there). Sign in again; if that "
                  "does not help, the details give the server's reason.");
    if (err == QLatin1String("invalid_client"))
        return tr("The authorization server did not accept Lanyard's client credentials. Check the client ID and the "
                  "client secret or key named in the configuration.");
    if (err == QLatin1String("unauthorized_client"))
        return tr("This client is not allowed to use this kind of request. Check the app registration or the server's "
                  "auth type.");
    if (err == QLatin1String("unsupported_grant_type"))
        return tr("The authorization server does not support this kind of token request. Check the server's auth type.");
    if (err == QLatin1String("invalid_scope"))
        return tr("A requested scope is not valid for this server. Check the scopes in the configuration.");
    if (err == QLatin1String("invalid_target"))
        return tr("The token service does not issue tokens for this server (audience or resource). Check \"audience\" and "
                  "\"resource\" in the server's auth block.");
    if (err == QLatin1String("access_denied"))
        return tr("Access was denied (the sign-in or consent was declined). Sign in again and accept, or ask an "
                  "administrator.");
    if (err == QLatin1String("consent_required"))
        return tr("Consent is needed before Lanyard can get this token. Sign in again and accept the consent page.");
    if (err == QLatin1String("interaction_required") || err == QLatin1String("login_required"))
        return tr("The identity provider needs you to sign in again in the browser.");
    if (err == QLatin1String("invalid_request"))
        return tr("The authorization server called the request malformed. This is likely a configuration problem.");
    if (err == QLatin1String("temporarily_unavailable") || err == QLatin1String("server_error") || httpStatus >= 500)
        return tr("The authorization server has a problem right now. Try again in a minute.");
    return tr("The authorization server refused the request (%1).").arg(err.isEmpty() ? tr("no reason given") : err.left(60));
}
} // namespace

Error describeOAuthError(const OAuthError& e, int httpStatus, const QString& what)
{
    QString message;
    const int code = e.primaryCode();
    if (const auto x = explainAadsts(code)) {
        message = tr("%1 failed: %2 %3 (AADSTS%4)").arg(what, x->problem, x->action).arg(code);
    } else {
        message = tr("%1 failed: %2").arg(what, standardProblem(e, httpStatus));
        if (code != 0)
            message += QStringLiteral(" (AADSTS%1)").arg(code);
    }
    QStringList detail;
    if (httpStatus > 0)
        detail << QStringLiteral("HTTP %1").arg(httpStatus);
    if (!e.error.isEmpty())
        detail << QStringLiteral("error=%1").arg(e.error);
    if (!e.description.isEmpty())
        detail << QStringLiteral("error_description=%1").arg(e.description.left(400));
    if (!e.traceId.isEmpty())
        detail << QStringLiteral("trace_id=%1").arg(e.traceId);
    if (!e.correlationId.isEmpty())
        detail << QStringLiteral("correlation_id=%1").arg(e.correlationId);
    return Error(Error::Kind::Auth, message, httpStatus, redact::text(detail.join(QStringLiteral("; "))));
}

bool meansSignInAgain(const OAuthError& e)
{
    static const QList<int> codes = {70008, 700082, 50173, 50133, 70000, 54005, 50058};
    for (int c : e.aadstsCodes) {
        if (codes.contains(c))
            return true;
    }
    return e.error == QLatin1String("invalid_grant") && !meansInteractionRequired(e);
}

bool meansInteractionRequired(const OAuthError& e)
{
    for (int c : e.aadstsCodes) {
        if (const Row* r = findRow(c); r && r->interactive)
            return true;
    }
    return e.error == QLatin1String("interaction_required") || e.error == QLatin1String("consent_required")
        || e.error == QLatin1String("login_required") || !e.claims.isEmpty();
}

} // namespace lanyard::auth
