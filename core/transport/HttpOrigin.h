// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QUrl>

namespace lanyard::http {

// The port a scheme implies: 443 for https, 80 for http, -1 for anything else.
inline int defaultPort(const QString& scheme)
{
    if (scheme.compare(QLatin1String("https"), Qt::CaseInsensitive) == 0)
        return 443;
    if (scheme.compare(QLatin1String("http"), Qt::CaseInsensitive) == 0)
        return 80;
    return -1;
}

// Same scheme, host and port (an implied port counts as written): where credentials may go on a
// redirect.
inline bool isSameOrigin(const QUrl& a, const QUrl& b)
{
    return a.scheme().compare(b.scheme(), Qt::CaseInsensitive) == 0
        && a.host().compare(b.host(), Qt::CaseInsensitive) == 0
        && a.port(defaultPort(a.scheme())) == b.port(defaultPort(b.scheme()));
}

} // namespace lanyard::http
