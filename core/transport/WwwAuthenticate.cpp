// SPDX-License-Identifier: MIT
#include "transport/WwwAuthenticate.h"

#include <QUrl>

namespace lanyard {

namespace {

// RFC 9110 §5.6.2 tchar.
bool isTchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

// RFC 7235 §2.1 token68 characters (without the trailing '=' padding).
bool isToken68Char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
        || c == '_' || c == '~' || c == '+' || c == '/';
}

bool isWhitespace(char c)
{
    return c == ' ' || c == '\t';
}

class Cursor
{
public:
    explicit Cursor(const QByteArray& s)
        : m_s(s)
    {
    }

    bool atEnd() const { return m_pos >= m_s.size(); }
    char peek() const { return atEnd() ? '\0' : m_s.at(m_pos); }
    qsizetype pos() const { return m_pos; }
    void seek(qsizetype p) { m_pos = p; }
    void skipWhitespace()
    {
        while (!atEnd() && isWhitespace(peek()))
            ++m_pos;
    }
    void skipWhitespaceAndCommas()
    {
        while (!atEnd() && (isWhitespace(peek()) || peek() == ','))
            ++m_pos;
    }
    QByteArray token()
    {
        const qsizetype start = m_pos;
        while (!atEnd() && isTchar(peek()))
            ++m_pos;
        return m_s.mid(start, m_pos - start);
    }
    // After the opening quote. Lenient: an unterminated string runs to the end.
    QByteArray quotedString()
    {
        QByteArray out;
        ++m_pos; // opening quote
        while (!atEnd()) {
            const char c = peek();
            ++m_pos;
            if (c == '"')
                return out;
            if (c == '\\' && !atEnd()) {
                out.append(peek());
                ++m_pos;
                continue;
            }
            out.append(c);
        }
        return out;
    }
    // Skips to just after the next comma that is not inside a quoted string.
    void skipPastComma()
    {
        while (!atEnd()) {
            const char c = peek();
            if (c == '"') {
                quotedString();
                continue;
            }
            ++m_pos;
            if (c == ',')
                return;
        }
    }
    // True when only whitespace remains before the end or a comma.
    bool atItemEnd()
    {
        skipWhitespace();
        return atEnd() || peek() == ',';
    }

private:
    const QByteArray& m_s;
    qsizetype m_pos = 0;
};

// Tries "name BWS = BWS (token / quoted-string)" at the cursor. On failure the cursor is restored.
bool parseAuthParam(Cursor& c, QByteArray& name, QString& value)
{
    const qsizetype start = c.pos();
    name = c.token();
    if (name.isEmpty()) {
        c.seek(start);
        return false;
    }
    c.skipWhitespace();
    if (c.peek() != '=') {
        c.seek(start);
        return false;
    }
    c.seek(c.pos() + 1);
    c.skipWhitespace();
    QByteArray raw;
    if (c.peek() == '"') {
        raw = c.quotedString();
    } else {
        raw = c.token();
        if (raw.isEmpty()) {
            c.seek(start);
            return false;
        }
    }
    if (!c.atItemEnd()) {
        c.seek(start);
        return false;
    }
    name = name.toLower();
    value = QString::fromUtf8(raw);
    return true;
}

bool parseToken68(Cursor& c, QByteArray& token68)
{
    const qsizetype start = c.pos();
    QByteArray out;
    while (!c.atEnd() && isToken68Char(c.peek())) {
        out.append(c.peek());
        c.seek(c.pos() + 1);
    }
    if (out.isEmpty()) {
        c.seek(start);
        return false;
    }
    while (!c.atEnd() && c.peek() == '=') {
        out.append('=');
        c.seek(c.pos() + 1);
    }
    if (!c.atItemEnd()) {
        c.seek(start);
        return false;
    }
    token68 = out;
    return true;
}

// At the start of a list item: is this "token BWS =" (a parameter) rather than a new challenge?
bool looksLikeParam(Cursor& c)
{
    const qsizetype start = c.pos();
    const QByteArray name = c.token();
    c.skipWhitespace();
    const bool param = !name.isEmpty() && c.peek() == '=';
    c.seek(start);
    return param;
}

} // namespace

bool WwwAuthenticate::Challenge::hasParam(const QByteArray& name) const
{
    const QByteArray lower = name.toLower();
    for (const auto& p : params) {
        if (p.first == lower)
            return true;
    }
    return false;
}

QString WwwAuthenticate::Challenge::param(const QByteArray& name) const
{
    const QByteArray lower = name.toLower();
    for (const auto& p : params) {
        if (p.first == lower)
            return p.second;
    }
    return QString();
}

QList<WwwAuthenticate::Challenge> WwwAuthenticate::parse(const QByteArray& headerValue)
{
    QList<Challenge> challenges;
    Cursor c(headerValue);
    while (true) {
        c.skipWhitespaceAndCommas();
        if (c.atEnd())
            break;
        Challenge challenge;
        challenge.scheme = c.token();
        if (challenge.scheme.isEmpty()) {
            // Not a token where a scheme must be: skip this list item.
            c.skipPastComma();
            continue;
        }
        if (c.peek() == '=') {
            // A stray parameter without a scheme in front of it: skip.
            c.skipPastComma();
            continue;
        }
        const bool hadSpace = isWhitespace(c.peek());
        c.skipWhitespace();
        if (hadSpace && !c.atEnd() && c.peek() != ',') {
            // Either a token68 or the first auth-param.
            QByteArray name;
            QString value;
            if (parseAuthParam(c, name, value)) {
                challenge.params.append({ name, value });
            } else if (!parseToken68(c, challenge.token68)) {
                c.skipPastComma();
                challenges.append(challenge);
                continue;
            }
        }
        // Further parameters follow after commas (empty list elements allowed), until an item
        // that is not "name =": that starts the next challenge.
        if (challenge.token68.isEmpty()) {
            while (true) {
                const qsizetype before = c.pos();
                c.skipWhitespaceAndCommas();
                if (c.atEnd())
                    break;
                if (!looksLikeParam(c)) {
                    c.seek(before);
                    break;
                }
                QByteArray name;
                QString value;
                if (parseAuthParam(c, name, value))
                    challenge.params.append({ name, value });
                else
                    c.skipPastComma(); // malformed parameter: drop it, keep the challenge
            }
        }
        challenges.append(challenge);
    }
    return challenges;
}

AuthChallenge WwwAuthenticate::toAuthChallenge(int httpStatus, const QByteArray& headerValue)
{
    AuthChallenge out;
    out.httpStatus = httpStatus;
    out.wwwAuthenticate = headerValue;
    const QList<Challenge> challenges = parse(headerValue);
    const Challenge* chosen = nullptr;
    for (const auto& ch : challenges) {
        if (ch.isScheme("Bearer")) {
            chosen = &ch;
            break;
        }
    }
    if (!chosen && !challenges.isEmpty())
        chosen = &challenges.first();
    if (!chosen)
        return out;
    out.error = chosen->param("error");
    out.scope = chosen->param("scope");
    out.claims = chosen->param("claims");
    const QString metadata = chosen->param("resource_metadata");
    if (!metadata.isEmpty()) {
        const QUrl url(metadata, QUrl::StrictMode);
        const QString scheme = url.scheme().toLower();
        if (url.isValid() && !url.host().isEmpty()
            && (scheme == QLatin1String("https") || scheme == QLatin1String("http")))
            out.resourceMetadata = url;
    }
    return out;
}

} // namespace lanyard
