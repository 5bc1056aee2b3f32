// SPDX-License-Identifier: MIT
#pragma once

#include "util/Error.h"
#include "util/Json.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

// What token endpoints and authorization redirects say when they refuse, in plain language.
namespace lanyard::auth {

// An OAuth 2.0 error answer (RFC 6749 §5.2, §4.1.2.1), with Entra's extras.
struct OAuthError
{
    QString error;            // invalid_grant, consent_required, ...
    QString description;      // error_description (server text: shown only as detail, redacted)
    QString errorUri;
    QList<int> aadstsCodes;   // from error_codes, else from "AADSTSnnnn:" in the description
    QString traceId;
    QString correlationId;
    QString claims;           // Entra: a claims challenge to pass back on the next authorization
    QString suberror;         // Entra: consent_required, basic_action, ...

    int primaryCode() const { return aadstsCodes.isEmpty() ? 0 : aadstsCodes.first(); }
};

// Reads a JSON error body. nullopt when the bytes are not a JSON object with an "error" string.
std::optional<OAuthError> parseOAuthError(const QByteArray& body);
// Reads the error parameters of an authorization redirect (error, error_description, error_uri, ...).
OAuthError oauthErrorFromFields(const QString& error, const QString& description, const QString& errorUri,
                                const QString& errorCodes = {});
// "AADSTS50076: ..." -> 50076; 0 if none.
int aadstsCodeIn(const QString& text);

// A known Entra error code explained: what happened and what to do about it.
struct AadstsExplanation
{
    int code = 0;
    QString problem;  // plain language
    QString action;   // what the person (or the administrator) should do
    bool needsInteractiveSignIn = false; // a new browser sign-in can fix it (consent, MFA, expired session)
};

std::optional<AadstsExplanation> explainAadsts(int code);
// Every code the table knows (for documentation and tests).
QList<int> knownAadstsCodes();

// The user-facing Error for a refused token request or authorization. `what` names the step, e.g.
// "Signing in" or "Getting a token for server \"hr\"". The server's own text goes only into
// `detail` (redacted). Kind is Auth.
Error describeOAuthError(const OAuthError& e, int httpStatus, const QString& what);

// True when the error means the stored sign-in is no longer usable (expired or revoked refresh
// token, password changed, ...): sign in again.
bool meansSignInAgain(const OAuthError& e);
// True when a new interactive authorization can fix it (consent, MFA, claims, login required).
bool meansInteractionRequired(const OAuthError& e);

} // namespace lanyard::auth
