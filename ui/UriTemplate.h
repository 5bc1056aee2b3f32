// SPDX-License-Identifier: MIT
#pragma once

#include <QMap>
#include <QString>
#include <QStringList>

namespace lanyard {

// RFC 6570 URI templates as MCP resource templates use them: simple {var}, reserved {+var},
// fragment {#var}, label {.var}, path {/var}, query {?a,b} and continuation {&a}. Values are
// plain strings (no lists or explode modifiers: a trailing * is accepted and ignored).
class UriTemplate
{
public:
    explicit UriTemplate(QString pattern);

    // Variable names in order of first appearance.
    QStringList variables() const;
    // The URI with every variable substituted; variables without a value are left out.
    QString expand(const QMap<QString, QString>& values) const;
    bool isValid() const { return m_valid; }

private:
    QString m_pattern;
    bool m_valid = true;
};

} // namespace lanyard
