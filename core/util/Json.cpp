// SPDX-License-Identifier: MIT
#include "util/Json.h"

namespace lanyard {

std::optional<json> parseJson(const QByteArray& bytes, QString* error)
{
    auto j = json::parse(bytes.constBegin(), bytes.constEnd(), nullptr, false);
    if (j.is_discarded()) {
        if (error) {
            // Find the position with the exception-throwing parser for a precise message.
            try {
                [[maybe_unused]] const json probe = json::parse(bytes.constBegin(), bytes.constEnd());
            } catch (const json::parse_error& e) {
                *error = QStringLiteral("invalid JSON at byte %1").arg(e.byte);
                return std::nullopt;
            } catch (...) {
            }
            *error = QStringLiteral("invalid JSON");
        }
        return std::nullopt;
    }
    return j;
}

JsonErrorLocation jsonErrorLocation(const QByteArray& bytes)
{
    qsizetype offset = -1;
    try {
        [[maybe_unused]] const json probe = json::parse(bytes.constBegin(), bytes.constEnd());
    } catch (const json::parse_error& e) {
        offset = static_cast<qsizetype>(e.byte) - 1;
    } catch (...) {
        offset = bytes.size();
    }
    if (offset < 0)
        return {};
    JsonErrorLocation at{1, 1};
    for (qsizetype i = 0; i < offset && i < bytes.size(); ++i) {
        if (bytes[i] == '\n') {
            ++at.line;
            at.column = 1;
        } else {
            ++at.column;
        }
    }
    return at;
}

QString humanSize(qint64 bytes)
{
    if (bytes >= 1024 * 1024)
        return QStringLiteral("%1 MB").arg(static_cast<double>(bytes) / (1024.0 * 1024.0), 0, 'f', 1);
    if (bytes >= 1024)
        return QStringLiteral("%1 KB").arg(bytes / 1024);
    return QStringLiteral("%1 bytes").arg(bytes);
}

QByteArray dumpJson(const json& j, int indent)
{
    return QByteArray::fromStdString(j.dump(indent, ' ', false, json::error_handler_t::replace));
}

} // namespace lanyard
