// SPDX-License-Identifier: MIT
#pragma once

#include "protocol/TokenProvider.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

namespace lanyard {

// Parser for WWW-Authenticate header values (RFC 7235 §4.1, RFC 9110 §11.6.1, RFC 6750 §3).
// Pure and lenient: it never throws and skips what it cannot read instead of giving up on the
// whole header, so one malformed challenge does not hide a good Bearer challenge next to it.
class WwwAuthenticate
{
public:
    struct Challenge
    {
        QByteArray scheme; // as sent ("Bearer"); compare case-insensitively
        QByteArray token68; // "Basic abc==" form; empty when params are used
        QList<QPair<QByteArray, QString>> params; // names lower-cased, values unquoted/unescaped

        bool isScheme(const QByteArray& name) const { return scheme.compare(name, Qt::CaseInsensitive) == 0; }
        bool hasParam(const QByteArray& name) const;
        // First value of that parameter (name compared case-insensitively), or an empty string.
        QString param(const QByteArray& name) const;
    };

    // All challenges in one header value (several headers may be joined with ", ").
    static QList<Challenge> parse(const QByteArray& headerValue);

    // Fills an AuthChallenge from the Bearer challenge (or the first one when there is no
    // Bearer challenge): error, scope, resource_metadata (only an http/https URL), claims.
    static AuthChallenge toAuthChallenge(int httpStatus, const QByteArray& headerValue);
};

} // namespace lanyard
