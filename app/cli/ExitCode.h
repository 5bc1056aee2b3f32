// SPDX-License-Identifier: MIT
#pragma once

#include "util/Error.h"

namespace lanyard::cli {

// Documented in docs/cli.md; scripts depend on these numbers.
enum ExitCode {
    ExitOk = 0,
    ExitFailure = 1,      // anything not covered below
    ExitUsage = 2,        // bad command line or configuration
    ExitConnection = 3,   // cannot reach the server, connection lost, server broke the protocol
    ExitAuth = 4,         // sign-in, token or permission problem (401/403)
    ExitToolError = 5,    // the tool or request failed on the server (isError result, JSON-RPC error)
    ExitTimeout = 6,      // no answer in time
    ExitInterrupted = 130 // Ctrl-C / SIGTERM
};

inline int exitCodeFor(const Error& e)
{
    switch (e.kind) {
    case Error::Kind::None: return ExitOk;
    case Error::Kind::Usage:
    case Error::Kind::Config: return ExitUsage;
    case Error::Kind::Connection:
    case Error::Kind::Protocol:
    case Error::Kind::SessionExpired:
    case Error::Kind::TooLarge: return ExitConnection;
    case Error::Kind::Auth: return ExitAuth;
    case Error::Kind::Rpc:
    case Error::Kind::ToolError: return ExitToolError;
    case Error::Kind::Timeout: return ExitTimeout;
    case Error::Kind::Cancelled: return ExitInterrupted;
    case Error::Kind::Internal: return ExitFailure;
    }
    return ExitFailure;
}

} // namespace lanyard::cli
