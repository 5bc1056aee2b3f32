// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

// PKCE (RFC 7636). The verifier is a secret: keep it in a lanyard::Secret and never log it.
namespace lanyard::crypto::pkce {

// A fresh code_verifier: base64url of 32 random bytes (43 characters of the unreserved set).
QString verifier();

// True if `verifier` has 43-128 characters, all from [A-Z a-z 0-9 - . _ ~] (RFC 7636 §4.1).
bool isValidVerifier(const QString& verifier);

// code_challenge for method S256: BASE64URL(SHA256(ASCII(verifier))).
QString challengeS256(const QString& verifier);

// Server side: does `verifier` match `challenge` under S256? Invalid verifiers never match.
// Compares in constant time.
bool verifyS256(const QString& verifier, const QString& challenge);

} // namespace lanyard::crypto::pkce
