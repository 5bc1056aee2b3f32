// SPDX-License-Identifier: MIT
#include "UriTemplate.h"

#include <QUrl>

namespace lanyard {

namespace {

struct Expression
{
    QChar op; // '\0' for simple
    QStringList names;
};

Expression parseExpression(const QString& body)
{
    Expression e;
    QString rest = body;
    if (!rest.isEmpty() && QStringLiteral("+#./;?&").contains(rest.at(0))) {
        e.op = rest.at(0);
        rest = rest.mid(1);
    }
    for (QString name : rest.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        name = name.trimmed();
        if (name.endsWith(QLatin1Char('*')))
            name.chop(1);
        const int prefix = int(name.indexOf(QLatin1Char(':')));
        if (prefix >= 0)
            name = name.left(prefix);
        if (!name.isEmpty())
            e.names << name;
    }
    return e;
}

QString encode(const QString& value, bool reserved)
{
    // Unreserved characters stay; reserved ones stay only for + and #.
    const QByteArray keep = reserved ? QByteArrayLiteral(":/?#[]@!$&'()*+,;=") : QByteArray();
    return QString::fromLatin1(QUrl::toPercentEncoding(value, keep));
}

} // namespace

UriTemplate::UriTemplate(QString pattern)
    : m_pattern(std::move(pattern))
{
    int depth = 0;
    for (const QChar c : m_pattern) {
        if (c == QLatin1Char('{'))
            ++depth;
        else if (c == QLatin1Char('}'))
            --depth;
        if (depth < 0 || depth > 1)
            m_valid = false;
    }
    if (depth != 0)
        m_valid = false;
}

QStringList UriTemplate::variables() const
{
    QStringList out;
    qsizetype pos = 0;
    while (true) {
        const qsizetype open = m_pattern.indexOf(QLatin1Char('{'), pos);
        if (open < 0)
            break;
        const qsizetype close = m_pattern.indexOf(QLatin1Char('}'), open);
        if (close < 0)
            break;
        for (const QString& n : parseExpression(m_pattern.mid(open + 1, close - open - 1)).names) {
            if (!out.contains(n))
                out << n;
        }
        pos = close + 1;
    }
    return out;
}

QString UriTemplate::expand(const QMap<QString, QString>& values) const
{
    QString out;
    qsizetype pos = 0;
    while (pos < m_pattern.size()) {
        const qsizetype open = m_pattern.indexOf(QLatin1Char('{'), pos);
        const qsizetype close = open < 0 ? -1 : m_pattern.indexOf(QLatin1Char('}'), open);
        if (open < 0 || close < 0) {
            out += m_pattern.mid(pos);
            break;
        }
        out += m_pattern.mid(pos, open - pos);
        const Expression e = parseExpression(m_pattern.mid(open + 1, close - open - 1));
        const char op = e.op.toLatin1();
        const bool reserved = op == '+' || op == '#';
        QString first;
        QString separator = QStringLiteral(",");
        bool named = false;
        switch (op) {
        case '#':
            first = QStringLiteral("#");
            break;
        case '.':
            first = QStringLiteral(".");
            separator = QStringLiteral(".");
            break;
        case '/':
            first = QStringLiteral("/");
            separator = QStringLiteral("/");
            break;
        case ';':
            first = QStringLiteral(";");
            separator = QStringLiteral(";");
            named = true;
            break;
        case '?':
            first = QStringLiteral("?");
            separator = QStringLiteral("&");
            named = true;
            break;
        case '&':
            first = QStringLiteral("&");
            separator = QStringLiteral("&");
            named = true;
            break;
        default:
            break;
        }
        QStringList parts;
        for (const QString& name : e.names) {
            if (!values.contains(name))
                continue;
            const QString value = encode(values.value(name), reserved);
            if (named)
                parts << (value.isEmpty() && op == ';' ? name : name + QLatin1Char('=') + value);
            else
                parts << value;
        }
        if (!parts.isEmpty())
            out += first + parts.join(separator);
        pos = close + 1;
    }
    return out;
}

} // namespace lanyard
