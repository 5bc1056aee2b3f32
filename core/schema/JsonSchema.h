// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <nlohmann/json.hpp>

#include <cstddef>

// JSON Schema validation for MCP tool schemas (inputSchema / outputSchema / elicitation schemas).
// Supported drafts: 2020-12 (the default, as MCP specifies) and draft-07. See docs/json-schema.md for
// the keyword list and what "not fully checked" means.
namespace lanyard::schema {

enum class Draft {
    Draft7, // also used for draft-06 schemas
    Draft2020_12, // also used for 2019-09 schemas
};

struct ValidationOptions
{
    // Dialect used when the root schema has no (or an unknown) "$schema".
    Draft defaultDraft = Draft::Draft2020_12;
    // false: "format" is an annotation only (the 2020-12 default).
    // true: date-time, date, time, email, uri and uuid are asserted; any other format value met on a
    // string makes the result "not fully checked".
    bool assertFormats = false;
};

struct ValidationIssue
{
    QString path; // JSON pointer into the instance, e.g. /items/0/name ("" is the whole value)
    QString keyword; // the schema keyword that failed, e.g. "required"
    QString message; // plain English
};

struct ValidationResult
{
    bool valid = true; // no issue found among the keywords we check
    bool fullyChecked = true; // false when the schema uses keywords we do not support (or unresolvable $ref)
    QStringList unsupportedKeywords; // the keywords that made fullyChecked false
    QList<ValidationIssue> issues; // why the value is invalid
    QList<ValidationIssue> notChecked; // why parts of the schema were not checked (one entry per reason)
};

// Never throws. The schema and the instance may be any JSON (malformed schema parts make the result
// "not fully checked" with an explanation in notChecked). Thread-safe; no state is kept between calls
// except a per-thread cache of compiled regular expressions.
ValidationResult validate(const nlohmann::json& schema, const nlohmann::json& instance);
ValidationResult validate(
    const nlohmann::json& schema, const nlohmann::json& instance, const ValidationOptions& options);

// Keywords this validator evaluates (assertions, applicators and the core keywords it follows).
// Pure annotations (title, description, default, ...) and unknown keywords are ignored, as the
// specification asks; they do not make a result "not fully checked".
QStringList supportedKeywords();
// Format values checked when ValidationOptions::assertFormats is set.
QStringList assertedFormats();

namespace detail {
// How many regular expressions this thread has compiled so far (compiled patterns are cached). For tests.
std::size_t patternCompileCount();
} // namespace detail

} // namespace lanyard::schema
