// SPDX-License-Identifier: MIT
#include "protocol/Elicitation.h"

#include "schema/JsonSchema.h"

#include <QObject>
#include <QStringList>

namespace lanyard::elicitation {

json withDefaults(const json& requestedSchema, const json& answers)
{
    json content = answers.is_object() ? answers : json::object();
    if (!requestedSchema.is_object())
        return content;
    const json props = requestedSchema.value("properties", json::object());
    if (!props.is_object())
        return content;
    for (auto it = props.begin(); it != props.end(); ++it) {
        if (content.contains(it.key()))
            continue;
        if (it->is_object() && it->contains("default"))
            content[it.key()] = (*it)["default"];
    }
    return content;
}

QStringList check(const json& requestedSchema, const json& content)
{
    QStringList problems;
    const auto result = schema::validate(requestedSchema, content);
    for (const auto& issue : result.issues)
        problems << QStringLiteral("%1: %2").arg(issue.path.isEmpty() ? QStringLiteral("/") : issue.path, issue.message);
    return problems;
}

} // namespace lanyard::elicitation
