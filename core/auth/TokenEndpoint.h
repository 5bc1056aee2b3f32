// SPDX-License-Identifier: MIT
#pragma once

#include "auth/AuthError.h"
#include "auth/Discovery.h"
#include "auth/HttpClient.h"
#include "crypto/Key.h"
#include "util/Error.h"
#include "util/Secret.h"

#include <QString>
#include <QStringList>
#include <QUrl>

#include <functional>
#include <optional>

namespace lanyard {
class Clock;
}

namespace lanyard::auth {

// How a client proves who it is at a token endpoint (RFC 6749 §2.3, RFC 7523 §2.2).
enum class ClientAuthMethod { None, SecretBasic, SecretPost, PrivateKeyJwt };
QString clientAuthMethodName(ClientAuthMethod method); // none, client_secret_basic, ...
std::optional<ClientAuthMethod> clientAuthMethodFromName(const QString& name);

struct ClientCredentials
{
    QString clientId;
    ClientAuthMethod method = ClientAuthMethod::None;
    Secret secret;            // client_secret_basic / client_secret_post
    crypto::Key privateKey;   // private_key_jwt (with the private half)
    QString assertionAudience; // private_key_jwt "aud"; empty = the token endpoint URL
};

// A successful token response (RFC 6749 §5.1, RFC 8693 §2.2.1). The tokens are Secrets.
struct TokenResponse
{
    Secret accessToken;
    Secret refreshToken;
    Secret idToken;
    QString tokenType;
    QString scope;            // as granted ("scope" member); empty if not sent
    bool scopeGiven = false;
    QString issuedTokenType;  // RFC 8693
    qint64 expiresIn = -1;    // seconds; -1 = not given
};

struct TokenResult
{
    std::optional<TokenResponse> response;
    Error error;
    std::optional<OAuthError> oauthError; // the server's error answer, when it sent one
    HttpExchange exchange;

    bool ok() const { return response.has_value(); }
};

// Reads a token endpoint answer. Refuses HTML, garbage, a 200 without access_token and non-Bearer
// token types with a clear error. `what` names the step for messages ("Signing in", ...).
TokenResult parseTokenResponse(int httpStatus, const QByteArray& contentType, const QByteArray& body, const QString& what);

// Adds the client authentication to a token request: client_id (+ client_secret) in the form,
// an HTTP Basic header (RFC 6749 §2.3.1: both parts form-encoded first), or a signed
// client_assertion (private_key_jwt, RFC 7523: iss = sub = client_id, aud, jti, iat, exp 5 min).
bool applyClientAuth(const ClientCredentials& client, const QUrl& tokenEndpoint, FormFields* form, HttpHeaders* headers,
                     const Clock* clock, Error* error);

// POSTs one token request and parses the answer.
void requestToken(HttpClient* http, const QUrl& tokenEndpoint, FormFields form, const ClientCredentials& client,
                  const QString& what, const Clock* clock, QObject* context, std::function<void(const TokenResult&)> done);

} // namespace lanyard::auth
