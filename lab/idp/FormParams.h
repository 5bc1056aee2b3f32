// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <initializer_list>

namespace lanyard::lab {

// application/x-www-form-urlencoded parameters (request bodies and query strings) in order,
// duplicates kept so that a server can refuse them. Values may be secrets: never log them.
class FormParams
{
public:
    using Item = QPair<QString, QString>;

    FormParams() = default;
    FormParams(const QList<Item>& items)
        : m_items(items)
    {
    }
    FormParams(std::initializer_list<Item> items)
        : m_items(items)
    {
    }

    // '+' is a space, %XX a byte, bytes UTF-8. Empty pieces ("a=1&&b=2") are skipped.
    static FormParams parse(const QByteArray& encoded);
    // Percent-encodes everything but unreserved characters (so '+' and '&' survive).
    QString encode() const;

    void append(const QString& name, const QString& value) { m_items.append({ name, value }); }
    bool has(const QString& name) const;
    int count(const QString& name) const;
    // The first value of `name`, or `fallback`.
    QString value(const QString& name, const QString& fallback = {}) const;
    // The first name given more than once, or empty.
    QString firstDuplicate() const;
    const QList<Item>& items() const { return m_items; }
    bool isEmpty() const { return m_items.isEmpty(); }
    // SHA-256 over the sorted parameters: equal for the same set in any order.
    QByteArray digest() const;

private:
    QList<Item> m_items;
};

} // namespace lanyard::lab
