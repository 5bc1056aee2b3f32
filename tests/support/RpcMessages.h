// SPDX-License-Identifier: MIT
#pragma once

#include "util/Json.h"

#include <QByteArray>

namespace lanyard::test {

// The body of a JSON-RPC 2.0 success answer, for scripted servers (FakeHttpServer::Script::json).
inline QByteArray rpcResult(const json& id, const json& result)
{
    return dumpJson(json { { "jsonrpc", "2.0" }, { "id", id }, { "result", result } });
}

} // namespace lanyard::test
