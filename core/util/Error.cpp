// SPDX-License-Identifier: MIT
#include "util/Error.h"

namespace lanyard {

QString Error::kindName(Kind k)
{
    switch (k) {
    case Kind::None: return QStringLiteral("none");
    case Kind::Usage: return QStringLiteral("usage");
    case Kind::Config: return QStringLiteral("config");
    case Kind::Connection: return QStringLiteral("connection");
    case Kind::Protocol: return QStringLiteral("protocol");
    case Kind::Rpc: return QStringLiteral("rpc");
    case Kind::Timeout: return QStringLiteral("timeout");
    case Kind::Cancelled: return QStringLiteral("cancelled");
    case Kind::SessionExpired: return QStringLiteral("session-expired");
    case Kind::Auth: return QStringLiteral("auth");
    case Kind::ToolError: return QStringLiteral("tool-error");
    case Kind::TooLarge: return QStringLiteral("too-large");
    case Kind::Internal: return QStringLiteral("internal");
    }
    return QStringLiteral("unknown");
}

} // namespace lanyard
