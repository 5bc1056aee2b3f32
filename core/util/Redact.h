// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QUrl>

namespace lanyard::redact {

// Query/form keys whose values are secrets.
bool isSecretKey(const QString& key);
// Header names whose values are secrets (Authorization, Cookie, ...).
bool isSecretHeader(const QByteArray& name);

// URL with secret query values replaced by "***".
QString url(const QUrl& url);
// application/x-www-form-urlencoded body with secret values replaced.
QByteArray formBody(const QByteArray& body);
// JSON text with secret members (access_token, refresh_token, id_token, ...) replaced; non-JSON
// text comes back with anything that looks like a JWT masked.
QByteArray jsonText(const QByteArray& body);
// Header value for display: "Bearer ***(sha256:…)" for secrets, the value otherwise.
QByteArray headerValue(const QByteArray& name, const QByteArray& value);
// Any text: masks JWT-shaped runs (xxx.yyy.zzz base64url).
QString text(const QString& s);

} // namespace lanyard::redact
