// SPDX-License-Identifier: MIT
#include "McpAuth.h"

#include "util/Secret.h"

namespace lanyard::lab {

AuthDecision AuthDecision::allowAnonymous(json claims)
{
    AuthDecision d;
    d.allowed = true;
    d.anonymous = true;
    d.claims = claims.is_object() ? std::move(claims) : json::object();
    if (!d.claims.contains("sub"))
        d.claims["sub"] = "anonymous";
    return d;
}

AuthDecision AuthDecision::allow(json claims)
{
    AuthDecision d;
    d.allowed = true;
    d.anonymous = false;
    d.claims = claims.is_object() ? std::move(claims) : json::object();
    return d;
}

AuthDecision AuthDecision::deny(int status, QByteArray error, QByteArray description)
{
    AuthDecision d;
    d.allowed = false;
    d.anonymous = true;
    d.status = status;
    d.error = std::move(error);
    d.errorDescription = std::move(description);
    return d;
}

namespace auth {

AuthHook anonymous()
{
    return [](const Request&) { return AuthDecision::allowAnonymous(); };
}

QByteArray bearerToken(const Request& request)
{
    const QByteArray value = request.header("Authorization").trimmed();
    const qsizetype space = value.indexOf(' ');
    if (space <= 0)
        return {};
    if (value.left(space).compare("Bearer", Qt::CaseInsensitive) != 0)
        return {};
    return value.mid(space + 1).trimmed();
}

AuthHook staticBearer(QMap<QByteArray, json> tokens)
{
    return [tokens = std::move(tokens)](const Request& request) {
        const QByteArray token = bearerToken(request);
        if (token.isEmpty())
            return AuthDecision::deny(401);
        for (auto it = tokens.cbegin(); it != tokens.cend(); ++it) {
            if (constantTimeEquals(it.key(), token))
                return AuthDecision::allow(it.value());
        }
        return AuthDecision::deny(401, "invalid_token", "The access token is not valid for this server.");
    };
}

} // namespace auth

namespace {

QStringList splitClaim(const json& claims, const char* key)
{
    QStringList out;
    auto it = claims.find(key);
    if (it == claims.end())
        return out;
    if (it->is_string()) {
        out = QString::fromStdString(it->get<std::string>()).split(QLatin1Char(' '), Qt::SkipEmptyParts);
    } else if (it->is_array()) {
        for (const auto& v : *it) {
            if (v.is_string())
                out << QString::fromStdString(v.get<std::string>());
        }
    }
    return out;
}

} // namespace

QString Caller::subject() const
{
    for (const char* key : { "oid", "sub", "preferred_username" }) {
        const QString v = qs(claims, key);
        if (!v.isEmpty())
            return v;
    }
    return QStringLiteral("anonymous");
}

QString Caller::displayName() const
{
    for (const char* key : { "name", "preferred_username", "upn", "email" }) {
        const QString v = qs(claims, key);
        if (!v.isEmpty())
            return v;
    }
    return subject();
}

QStringList Caller::roles() const
{
    return splitClaim(claims, "roles");
}

QStringList Caller::scopes() const
{
    QStringList out = splitClaim(claims, "scp");
    for (const QString& s : splitClaim(claims, "scope")) {
        if (!out.contains(s))
            out << s;
    }
    return out;
}

json Caller::delegationChain() const
{
    json chain = json::array();
    const json* current = &claims;
    // Bounded: a hostile token could nest deeply.
    for (int depth = 0; depth < 32; ++depth) {
        auto it = current->find("act");
        if (it == current->end() || !it->is_object())
            break;
        json actor = *it;
        actor.erase("act");
        chain.push_back(actor);
        current = &*it;
    }
    return chain;
}

} // namespace lanyard::lab
