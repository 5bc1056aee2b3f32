// SPDX-License-Identifier: MIT
#include "idp/SignInPages.h"

namespace lanyard::lab::pages {

namespace {

const char* const kStyle
    = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;background:#f2f2f2;margin:0}"
      "main{max-width:440px;margin:48px auto;background:#fff;padding:32px 40px;box-shadow:0 2px 6px rgba(0,0,0,.2)}"
      "h1{font-size:24px;font-weight:600;margin:0 0 16px}p{font-size:15px;line-height:1.4}"
      ".lab{font-size:12px;color:#666;text-transform:uppercase;letter-spacing:.08em}"
      "button{display:block;width:100%;text-align:left;margin:8px 0;padding:12px;font-size:15px;background:#fff;"
      "border:1px solid #8a8886;cursor:pointer}button:hover{background:#f3f2f1}"
      "button.primary{background:#0067b8;color:#fff;text-align:center;border-color:#0067b8}"
      ".small{font-size:13px;color:#555}.notice{color:#a80000}ul{padding-left:20px}li{margin:6px 0}"
      "code{font-size:13px}";

QString hiddenInputs(const Fields& hidden)
{
    QString out;
    for (const auto& f : hidden)
        out += QStringLiteral("<input type=\"hidden\" name=\"%1\" value=\"%2\">\n")
                   .arg(escapeHtml(f.first), escapeHtml(f.second));
    return out;
}

QByteArray page(const QString& title, const QString& body, const QString& extraHead = {})
{
    const QString html
        = QStringLiteral("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                         "<meta name=\"referrer\" content=\"no-referrer\">"
                         "<title>%1</title><style>%2</style>%3</head>\n<body><main>\n"
                         "<div class=\"lab\">lanyard-lab identity provider</div>\n%4\n</main></body></html>\n")
              .arg(escapeHtml(title), QString::fromLatin1(kStyle), extraHead, body);
    return html.toUtf8();
}

} // namespace

QString escapeHtml(const QString& text)
{
    QString out;
    out.reserve(text.size() + 16);
    for (const QChar c : text) {
        switch (c.unicode()) {
        case '&':
            out += QLatin1String("&amp;");
            break;
        case '<':
            out += QLatin1String("&lt;");
            break;
        case '>':
            out += QLatin1String("&gt;");
            break;
        case '"':
            out += QLatin1String("&quot;");
            break;
        case '\'':
            out += QLatin1String("&#39;");
            break;
        default:
            out += c;
        }
    }
    return out;
}

QByteArray signIn(const QString& action, const Fields& hidden, const QList<UserChoice>& users,
    const QString& clientName, const QString& tenantName, const QString& notice)
{
    QString buttons;
    for (const UserChoice& u : users) {
        QString marks;
        if (u.suggested)
            marks += QStringLiteral(" <span class=\"small\">(suggested)</span>");
        if (u.signedIn)
            marks += QStringLiteral(" <span class=\"small\">(signed in)</span>");
        buttons += QStringLiteral("<button type=\"submit\" name=\"lab_login\" value=\"%1\"><strong>%2</strong>%3<br>"
                                  "<span class=\"small\">%1</span></button>\n")
                       .arg(escapeHtml(u.username), escapeHtml(u.displayName), marks);
    }
    QString body = QStringLiteral("<h1>Pick an account</h1>\n<p>to continue to <strong>%1</strong> (%2)</p>\n")
                       .arg(escapeHtml(clientName), escapeHtml(tenantName));
    if (!notice.isEmpty())
        body += QStringLiteral("<p class=\"notice\">%1</p>\n").arg(escapeHtml(notice));
    body += QStringLiteral(
        "<form method=\"post\" action=\"%1\" id=\"signin\">\n%2<input type=\"hidden\" name=\"lab_step\" "
        "value=\"signin\">\n%3</form>\n"
        "<p class=\"small\">This is a lab: there are no passwords. Choose who you are.</p>")
                .arg(escapeHtml(action), hiddenInputs(hidden), buttons);
    return page(QStringLiteral("Sign in to your account"), body);
}

QByteArray mfa(const QString& action, const Fields& hidden, const QString& userName, const QString& resourceName)
{
    const QString body
        = QStringLiteral(
            "<h1>Approve sign in request</h1>\n<p><strong>%1</strong>, %2 requires multi-factor "
            "authentication.</p>\n<p>Your lab authenticator app would ask you now. Approve?</p>\n"
            "<form method=\"post\" action=\"%3\" id=\"mfa\">\n%4<input type=\"hidden\" name=\"lab_step\" "
            "value=\"mfa\">\n<button class=\"primary\" type=\"submit\" name=\"lab_mfa\" value=\"approve\">"
            "Approve</button>\n<button type=\"submit\" name=\"lab_mfa\" value=\"deny\">Deny</button>\n</form>")
              .arg(escapeHtml(userName), escapeHtml(resourceName), escapeHtml(action), hiddenInputs(hidden));
    return page(QStringLiteral("Approve sign in request"), body);
}

QByteArray consent(const QString& action, const Fields& hidden, const QString& userName, const QString& clientName,
    const QList<ScopeLine>& scopes)
{
    QString list;
    for (const ScopeLine& s : scopes)
        list += QStringLiteral("<li>%1<br><code>%2</code></li>\n").arg(escapeHtml(s.description), escapeHtml(s.scope));
    const QString body
        = QStringLiteral(
            "<h1>Permissions requested</h1>\n<p class=\"small\">%1</p>\n<p><strong>%2</strong> would "
            "like to:</p>\n<ul>\n%3</ul>\n<p class=\"small\">Accepting lets this app use your data as "
            "described. You can change this later.</p>\n<form method=\"post\" action=\"%4\" id=\"consent\">\n"
            "%5<input type=\"hidden\" name=\"lab_step\" value=\"consent\">\n<button class=\"primary\" "
            "type=\"submit\" name=\"lab_consent\" value=\"accept\">Accept</button>\n<button type=\"submit\" "
            "name=\"lab_consent\" value=\"decline\">Cancel</button>\n</form>")
              .arg(escapeHtml(userName), escapeHtml(clientName), list, escapeHtml(action), hiddenInputs(hidden));
    return page(QStringLiteral("Permissions requested"), body);
}

QByteArray error(
    const QString& description, const QString& traceId, const QString& correlationId, const QString& timestamp)
{
    const QString body
        = QStringLiteral("<h1>Sign in</h1>\n<p>Sorry, but we're having trouble signing you in.</p>\n"
                         "<p id=\"error\">%1</p>\n<p class=\"small\">Trace ID: %2<br>Correlation ID: %3<br>"
                         "Timestamp: %4</p>")
              .arg(escapeHtml(description), escapeHtml(traceId), escapeHtml(correlationId), escapeHtml(timestamp));
    return page(QStringLiteral("Sign in"), body);
}

QByteArray formPost(const QString& redirectUri, const Fields& params)
{
    const QString body = QStringLiteral("<form method=\"post\" action=\"%1\" id=\"response\">\n%2<noscript><p>Script "
                                        "is disabled. Press Continue.</p></noscript><button class=\"primary\" "
                                        "type=\"submit\">Continue</button>\n</form>\n"
                                        "<script>document.getElementById('response').submit()</script>")
                             .arg(escapeHtml(redirectUri), hiddenInputs(params));
    return page(QStringLiteral("Working..."), body);
}

QByteArray signedOut()
{
    return page(QStringLiteral("Signed out"),
        QStringLiteral("<h1>You signed out of your account</h1>\n<p>It's a good idea to close all browser "
                       "windows.</p>"));
}

} // namespace lanyard::lab::pages
