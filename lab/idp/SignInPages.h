// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

// The identity provider's HTML pages. Plain HTML forms that work in any browser and that a test
// can fetch, parse and submit like one: every value is HTML-escaped, the request travels in hidden
// fields, and choices are submit buttons (name/value), as a browser sends them.
namespace lanyard::lab::pages {

using Fields = QList<QPair<QString, QString>>;

// &, <, >, " and ' as character references.
QString escapeHtml(const QString& text);

struct UserChoice
{
    QString username;
    QString displayName;
    bool suggested = false; // login_hint
    bool signedIn = false; // has an SSO session in this browser
};

QByteArray signIn(const QString& action, const Fields& hidden, const QList<UserChoice>& users,
    const QString& clientName, const QString& tenantName, const QString& notice);
QByteArray mfa(const QString& action, const Fields& hidden, const QString& userName, const QString& resourceName);
struct ScopeLine
{
    QString scope; // as shown (e.g. api://lab-hr/HR.Read)
    QString description; // what it allows
};
QByteArray consent(const QString& action, const Fields& hidden, const QString& userName, const QString& clientName,
    const QList<ScopeLine>& scopes);
// Entra's "Sorry, but we're having trouble signing you in" page.
QByteArray error(
    const QString& description, const QString& traceId, const QString& correlationId, const QString& timestamp);
// response_mode=form_post: an auto-submitting form (with a button for browsers without script).
QByteArray formPost(const QString& redirectUri, const Fields& params);
QByteArray signedOut();

} // namespace lanyard::lab::pages
