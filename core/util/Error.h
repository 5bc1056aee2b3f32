// SPDX-License-Identifier: MIT
#pragma once

#include <QMetaType>
#include <QString>

namespace lanyard {

// A failure with a user-facing text. `message` is written for a person: it names the problem and,
// where possible, what to do. `detail` is for logs and the traffic inspector and is already redacted.
struct Error
{
    enum class Kind {
        None,
        Usage,          // bad command line or arguments
        Config,         // configuration file problem
        Connection,     // could not reach / lost the server
        Protocol,       // server broke the protocol (bad JSON, wrong content type, ...)
        Rpc,            // JSON-RPC error object from the peer (see code)
        Timeout,        // no answer in time
        Cancelled,      // cancelled by the user
        SessionExpired, // server forgot our MCP session (HTTP 404)
        Auth,           // sign-in / token problem, 401, 403
        ToolError,      // tool result with isError
        TooLarge,       // answer over the configured size limit
        Internal,
    };

    Kind kind = Kind::None;
    int code = 0;          // JSON-RPC error code or HTTP status, where there is one
    QString message;       // plain language, names the problem and what to do
    QString detail;        // redacted technical detail

    Error() = default;
    Error(Kind k, QString msg, int c = 0, QString d = {})
        : kind(k), code(c), message(std::move(msg)), detail(std::move(d)) {}

    bool isError() const { return kind != Kind::None; }
    explicit operator bool() const { return isError(); }

    static QString kindName(Kind k);
};

} // namespace lanyard

Q_DECLARE_METATYPE(lanyard::Error)
