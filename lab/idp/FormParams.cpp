// SPDX-License-Identifier: MIT
#include "idp/FormParams.h"

#include <QCryptographicHash>
#include <QSet>
#include <QUrl>

#include <algorithm>

namespace lanyard::lab {

namespace {

QString decodeComponent(QByteArray piece)
{
    piece.replace('+', ' ');
    return QString::fromUtf8(QByteArray::fromPercentEncoding(piece));
}

} // namespace

FormParams FormParams::parse(const QByteArray& encoded)
{
    FormParams out;
    const QList<QByteArray> pieces = encoded.split('&');
    for (const QByteArray& piece : pieces) {
        if (piece.isEmpty())
            continue;
        const qsizetype eq = piece.indexOf('=');
        if (eq < 0)
            out.append(decodeComponent(piece), QString());
        else
            out.append(decodeComponent(piece.left(eq)), decodeComponent(piece.mid(eq + 1)));
    }
    return out;
}

QString FormParams::encode() const
{
    QByteArray out;
    for (const Item& item : m_items) {
        if (!out.isEmpty())
            out += '&';
        out += QUrl::toPercentEncoding(item.first) + '=' + QUrl::toPercentEncoding(item.second);
    }
    return QString::fromLatin1(out);
}

bool FormParams::has(const QString& name) const
{
    return std::any_of(m_items.begin(), m_items.end(), [&](const Item& i) { return i.first == name; });
}

int FormParams::count(const QString& name) const
{
    return int(std::count_if(m_items.begin(), m_items.end(), [&](const Item& i) { return i.first == name; }));
}

QString FormParams::value(const QString& name, const QString& fallback) const
{
    for (const Item& i : m_items) {
        if (i.first == name)
            return i.second;
    }
    return fallback;
}

QString FormParams::firstDuplicate() const
{
    QSet<QString> seen;
    for (const Item& i : m_items) {
        if (seen.contains(i.first))
            return i.first;
        seen.insert(i.first);
    }
    return {};
}

QByteArray FormParams::digest() const
{
    QList<Item> sorted = m_items;
    std::sort(sorted.begin(), sorted.end());
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (const Item& i : sorted) {
        hash.addData(QUrl::toPercentEncoding(i.first));
        hash.addData("=");
        hash.addData(QUrl::toPercentEncoding(i.second));
        hash.addData("&");
    }
    return hash.result();
}

} // namespace lanyard::lab
