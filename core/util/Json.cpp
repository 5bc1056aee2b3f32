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

QByteArray dumpJson(const json& j, int indent)
{
    return QByteArray::fromStdString(j.dump(indent, ' ', false, json::error_handler_t::replace));
}

} // namespace lanyard
