// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QString>

#include <nlohmann/json.hpp>

#include <optional>

namespace lanyard {

using json = nlohmann::json;

// Parse untrusted bytes without exceptions. Returns nullopt and fills *error on failure.
std::optional<json> parseJson(const QByteArray& bytes, QString* error = nullptr);

inline QString qs(const json& j, const char* key, const QString& fallback = QString())
{
    if (!j.is_object())
        return fallback;
    auto it = j.find(key);
    if (it == j.end() || !it->is_string())
        return fallback;
    return QString::fromStdString(it->get<std::string>());
}
inline std::string ss(const QString& s) { return s.toStdString(); }
inline QString qstr(const std::string& s) { return QString::fromStdString(s); }
// 1-based line and column where parsing `bytes` as JSON fails ({0, 0} when it parses).
struct JsonErrorLocation
{
    int line = 0;
    int column = 0;
};
JsonErrorLocation jsonErrorLocation(const QByteArray& bytes);

// "12 bytes", "3 KB", "1.5 MB": sizes in messages for people.
QString humanSize(qint64 bytes);

// Compact dump that never throws on invalid UTF-8 (replaces it).
QByteArray dumpJson(const json& j, int indent = -1);

} // namespace lanyard

Q_DECLARE_METATYPE(nlohmann::json)
