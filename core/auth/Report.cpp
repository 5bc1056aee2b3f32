// SPDX-License-Identifier: MIT
#include "auth/Report.h"

#include "util/Clock.h"

#include <QCoreApplication>
#include <QDateTime>

namespace lanyard::auth::report {

namespace {
QString tr(const char* text)
{
    return QCoreApplication::translate("lanyard::auth", text);
}

QList<TokenPtr> chainOf(const TokenPtr& token)
{
    QList<TokenPtr> out;
    for (TokenPtr t = token; t && out.size() < 8; t = t->subjectToken)
        out.prepend(t);
    return out;
}

QString claimText(const json& claims, const char* key)
{
    auto it = claims.find(key);
    if (it == claims.end())
        return QStringLiteral("-");
    if (it->is_string())
        return QString::fromStdString(it->get<std::string>());
    if ((std::string(key) == "exp" || std::string(key) == "iat" || std::string(key) == "nbf") && it->is_number())
        return QDateTime::fromSecsSinceEpoch(it->get<qint64>()).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
    return QString::fromUtf8(dumpJson(*it));
}

QString describeStep(const IssuedToken& t)
{
    const QString how = t.obtainedBy;
    if (how == QLatin1String("sign-in"))
        return tr("browser sign-in");
    if (how == QLatin1String("refresh"))
        return tr("refresh token (scope %1)").arg(t.scopes.join(QLatin1Char(' ')));
    if (how == QLatin1String("token-exchange"))
        return tr("RFC 8693 token exchange at %1").arg(t.issuer);
    if (how == QLatin1String("on-behalf-of"))
        return tr("On-Behalf-Of at %1").arg(t.issuer);
    if (how == QLatin1String("id-token"))
        return tr("ID token of the sign-in");
    if (how == QLatin1String("id-jag"))
        return tr("identity assertion (ID-JAG) from %1").arg(t.issuer);
    return how;
}
} // namespace

QString relativeExpiry(const TokenPtr& token, const Clock* clock)
{
    if (!token)
        return QString();
    const qint64 left = token->secondsLeft(clock);
    const QString when = token->expiresAt.isValid() ? token->expiresAt.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"))
                                                    : tr("unknown (assumed one hour)");
    if (left >= 0)
        return tr("%1 (in %2 min)").arg(when).arg(left / 60);
    return tr("%1 (expired %2 min ago)").arg(when).arg(-left / 60);
}

json tokenChain(const TokenPtr& serverToken, const QString& server, bool reveal, const Clock* clock)
{
    json chain = json::array();
    const QList<TokenPtr> tokens = chainOf(serverToken);
    for (int i = 0; i < tokens.size(); ++i) {
        json j = tokens[i]->toJson(reveal);
        j["role"] = i == tokens.size() - 1 ? "server" : "subject";
        j["expiresIn"] = tokens[i]->secondsLeft(clock);
        chain.push_back(j);
    }
    return json{{"server", ss(server)},
                {"strategy", ss(serverToken ? serverToken->strategy : QString())},
                {"chain", chain}};
}

QString tokenChainText(const TokenPtr& serverToken, const QString& server, bool reveal, const Clock* clock)
{
    if (!serverToken)
        return tr("No token for %1.\n").arg(server);
    const QList<TokenPtr> tokens = chainOf(serverToken);
    QString out;
    out += tr("Server \"%1\" — auth type %2\n").arg(server, serverToken->strategy);
    QStringList steps;
    for (const TokenPtr& t : tokens)
        steps << describeStep(*t);
    out += tr("How: %1\n\n").arg(steps.join(QStringLiteral(" → ")));

    static const char* rows[] = {"iss", "aud", "sub", "oid", "tid", "preferred_username", "name", "scp", "scope",
                                 "roles", "azp", "appid", "client_id", "act", "may_act", "iat", "exp", "ver"};
    const int labelWidth = 20;
    const int colWidth = 46;
    auto cell = [colWidth](QString s) {
        s.replace(QLatin1Char('\n'), QLatin1Char(' '));
        if (s.size() > colWidth - 2)
            s = s.left(colWidth - 3) + QChar(0x2026);
        return s.leftJustified(colWidth);
    };
    QString header = QString().leftJustified(labelWidth);
    for (int i = 0; i < tokens.size(); ++i) {
        const bool last = i == tokens.size() - 1;
        const QString title = last ? tr("token for %1").arg(server)
                                   : (tokens[i]->obtainedBy == QLatin1String("id-token") ? tr("ID token (subject)")
                                                                                         : tr("Entra token (subject)"));
        header += cell(title);
    }
    out += header.trimmed().isEmpty() ? QString() : header + QLatin1Char('\n');
    auto row = [&](const QString& label, const std::function<QString(const IssuedToken&)>& value) {
        QString line = label.leftJustified(labelWidth);
        bool any = false;
        for (const TokenPtr& t : tokens) {
            const QString v = value(*t);
            any = any || (v != QLatin1String("-") && !v.isEmpty());
            line += cell(v.isEmpty() ? QStringLiteral("-") : v);
        }
        if (any)
            out += line.trimmed().isEmpty() ? QString() : line.trimmed() + QLatin1Char('\n');
    };
    row(tr("fingerprint"), [](const IssuedToken& t) { return t.fingerprint(); });
    row(tr("format"), [](const IssuedToken& t) { return t.isJwt() ? QStringLiteral("JWT (%1)").arg(qs(t.header, "alg")) : tr("opaque"); });
    for (const char* r : rows)
        row(QString::fromLatin1(r), [r](const IssuedToken& t) { return t.isJwt() ? claimText(t.claims, r) : QStringLiteral("-"); });
    row(tr("expires"), [clock](const IssuedToken& t) {
        auto copy = std::make_shared<IssuedToken>();
        copy->expiresAt = t.expiresAt;
        copy->issuedAt = t.issuedAt;
        return relativeExpiry(copy, clock);
    });
    if (reveal) {
        out += QLatin1Char('\n');
        for (const TokenPtr& t : tokens)
            out += tr("%1 token:\n%2\n").arg(t == serverToken ? tr("Server") : tr("Subject"), t->token.revealString());
    }
    return out;
}

QString identityText(const json& claims)
{
    QString out;
    auto line = [&](const QString& label, const QString& value) {
        if (!value.isEmpty())
            out += label.leftJustified(14) + value + QLatin1Char('\n');
    };
    line(tr("name"), qs(claims, "name"));
    line(tr("user"), qs(claims, "preferred_username", qs(claims, "upn", qs(claims, "email"))));
    line(tr("object id"), qs(claims, "oid"));
    line(tr("tenant id"), qs(claims, "tid"));
    line(tr("subject"), qs(claims, "sub"));
    line(tr("issuer"), qs(claims, "iss"));
    line(tr("client"), qs(claims, "aud"));
    if (claims.contains("iat") && claims["iat"].is_number())
        line(tr("signed in"), QDateTime::fromSecsSinceEpoch(claims["iat"].get<qint64>()).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
    out += tr("(ID token checked: signature, issuer, audience, lifetime)\n");
    return out;
}

} // namespace lanyard::auth::report
