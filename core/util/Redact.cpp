// SPDX-License-Identifier: MIT
#include "util/Redact.h"

#include <QCryptographicHash>
#include <QRegularExpression>
#include <QUrlQuery>

#include <nlohmann/json.hpp>

namespace lanyard::redact {

namespace {
const char* const kSecretKeys[] = {
    "code", "state", "code_verifier", "access_token", "refresh_token", "id_token", "client_secret",
    "subject_token", "actor_token", "assertion", "client_assertion", "password", "token",
    "device_code", "nonce", "session_state",
};

QString mask(const QByteArray& value)
{
    if (value.isEmpty())
        return QString();
    return QStringLiteral("***(sha256:%1)")
        .arg(QString::fromLatin1(QCryptographicHash::hash(value, QCryptographicHash::Sha256).toHex().left(8)));
}

void redactJson(nlohmann::json& j)
{
    if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (isSecretKey(QString::fromStdString(it.key())) && it->is_string())
                *it = mask(QByteArray::fromStdString(it->get<std::string>())).toStdString();
            else
                redactJson(*it);
        }
    } else if (j.is_array()) {
        for (auto& e : j)
            redactJson(e);
    } else if (j.is_string()) {
        const QString s = QString::fromStdString(j.get<std::string>());
        const QString r = text(s);
        if (r != s)
            j = r.toStdString();
    }
}
} // namespace

bool isSecretKey(const QString& key)
{
    const QString k = key.toLower();
    for (const char* s : kSecretKeys) {
        if (k == QLatin1String(s))
            return true;
    }
    return k.endsWith(QLatin1String("_secret")) || k.endsWith(QLatin1String("_token"));
}

bool isSecretHeader(const QByteArray& name)
{
    const QByteArray n = name.toLower();
    return n == "authorization" || n == "proxy-authorization" || n == "cookie" || n == "set-cookie"
        || n == "x-api-key" || n == "dpop";
}

QString url(const QUrl& u)
{
    QUrl copy = u;
    copy.setUserInfo(QString());
    auto redactQuery = [](const QString& q) {
        QUrlQuery query(q);
        auto items = query.queryItems(QUrl::FullyEncoded);
        for (auto& item : items) {
            if (isSecretKey(item.first))
                item.second = QStringLiteral("***");
        }
        QUrlQuery out;
        out.setQueryItems(items);
        return out.query(QUrl::FullyEncoded);
    };
    if (copy.hasQuery())
        copy.setQuery(redactQuery(copy.query(QUrl::FullyEncoded)), QUrl::StrictMode);
    if (copy.hasFragment())
        copy.setFragment(redactQuery(copy.fragment(QUrl::FullyEncoded)), QUrl::StrictMode);
    return copy.toString();
}

QByteArray formBody(const QByteArray& body)
{
    QList<QByteArray> parts = body.split('&');
    for (auto& part : parts) {
        const qsizetype eq = part.indexOf('=');
        if (eq < 0)
            continue;
        const QByteArray key = QByteArray::fromPercentEncoding(part.left(eq));
        if (isSecretKey(QString::fromUtf8(key)))
            part = part.left(eq + 1) + mask(part.mid(eq + 1)).toUtf8();
    }
    return parts.join('&');
}

QByteArray jsonText(const QByteArray& body)
{
    auto j = nlohmann::json::parse(body.constBegin(), body.constEnd(), nullptr, false);
    if (j.is_discarded())
        return text(QString::fromUtf8(body)).toUtf8();
    redactJson(j);
    return QByteArray::fromStdString(j.dump());
}

QByteArray headerValue(const QByteArray& name, const QByteArray& value)
{
    if (!isSecretHeader(name))
        return value;
    const qsizetype sp = value.indexOf(' ');
    if (sp > 0 && sp < 16)
        return value.left(sp) + ' ' + mask(value.mid(sp + 1)).toUtf8();
    return mask(value).toUtf8();
}

QString text(const QString& s)
{
    static const QRegularExpression jwt(
        QStringLiteral("[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}"));
    if (!s.contains(QLatin1Char('.')))
        return s;
    QString out = s;
    out.replace(jwt, QStringLiteral("<jwt redacted>"));
    return out;
}

} // namespace lanyard::redact
