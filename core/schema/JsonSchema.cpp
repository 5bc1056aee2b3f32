// SPDX-License-Identifier: MIT
#include "schema/JsonSchema.h"

#include <QByteArray>
#include <QRegularExpression>
#include <QUrl>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lanyard::schema {
namespace {

using json = nlohmann::json;

// Limits that keep hostile or broken schemas from running away. Hitting one makes the result
// "not fully checked"; it never crashes or loops.
constexpr int kMaxDepth = 300; // nested subschema evaluations (also bounds $ref chains)
constexpr std::size_t kMaxSteps = 1'000'000; // subschema evaluations per validate() call
constexpr qsizetype kMaxIssues = 200;
constexpr qsizetype kMaxNotChecked = 50;
constexpr int kMaxValueDepth = 512; // nesting for equality of values (enum, const, uniqueItems)
constexpr std::size_t kMaxCachedPatterns = 512;
// Base URI of a root schema without "$id", so relative references have something to resolve against.
constexpr std::string_view kDefaultBase = "https://lanyard.invalid/schema.json";

QString qs(std::string_view s)
{
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

// ---- Keywords ------------------------------------------------------------------------------------

// clang-format off
enum class Keyword {
    Unknown, // not a JSON Schema keyword: an annotation, ignored (as the specification asks)
    Annotation, // known annotation or core keyword handled elsewhere
    Definitions, // $defs / definitions: containers for $ref targets
    Unsupported, // known keyword this validator does not implement
    Type, Enum, Const,
    Properties, Required, AdditionalProperties, PatternProperties, PropertyNames, MinProperties, MaxProperties,
    DependentRequired, DependentSchemas, Dependencies,
    Items, PrefixItems, AdditionalItems, Contains, MinContains, MaxContains, MinItems, MaxItems, UniqueItems,
    Minimum, Maximum, ExclusiveMinimum, ExclusiveMaximum, MultipleOf,
    MinLength, MaxLength, Pattern, Format,
    AllOf, AnyOf, OneOf, Not, If, Then, Else, Ref,
};

struct KeywordInfo {
    std::string_view name;
    Keyword keyword;
};

constexpr KeywordInfo kKeywords[] = {
    { "type", Keyword::Type }, { "enum", Keyword::Enum }, { "const", Keyword::Const },
    { "properties", Keyword::Properties }, { "required", Keyword::Required },
    { "additionalProperties", Keyword::AdditionalProperties }, { "patternProperties", Keyword::PatternProperties },
    { "propertyNames", Keyword::PropertyNames }, { "minProperties", Keyword::MinProperties },
    { "maxProperties", Keyword::MaxProperties }, { "dependentRequired", Keyword::DependentRequired },
    { "dependentSchemas", Keyword::DependentSchemas }, { "dependencies", Keyword::Dependencies },
    { "items", Keyword::Items }, { "prefixItems", Keyword::PrefixItems }, { "additionalItems", Keyword::AdditionalItems },
    { "contains", Keyword::Contains }, { "minContains", Keyword::MinContains }, { "maxContains", Keyword::MaxContains },
    { "minItems", Keyword::MinItems }, { "maxItems", Keyword::MaxItems }, { "uniqueItems", Keyword::UniqueItems },
    { "minimum", Keyword::Minimum }, { "maximum", Keyword::Maximum }, { "exclusiveMinimum", Keyword::ExclusiveMinimum },
    { "exclusiveMaximum", Keyword::ExclusiveMaximum }, { "multipleOf", Keyword::MultipleOf },
    { "minLength", Keyword::MinLength }, { "maxLength", Keyword::MaxLength }, { "pattern", Keyword::Pattern },
    { "format", Keyword::Format }, { "allOf", Keyword::AllOf }, { "anyOf", Keyword::AnyOf }, { "oneOf", Keyword::OneOf },
    { "not", Keyword::Not }, { "if", Keyword::If }, { "then", Keyword::Then }, { "else", Keyword::Else },
    { "$ref", Keyword::Ref }, { "$defs", Keyword::Definitions }, { "definitions", Keyword::Definitions },
    // Core keywords handled while resolving references, and annotations.
    { "$schema", Keyword::Annotation }, { "$id", Keyword::Annotation }, { "$anchor", Keyword::Annotation },
    { "$dynamicAnchor", Keyword::Annotation }, { "$recursiveAnchor", Keyword::Annotation },
    { "$vocabulary", Keyword::Annotation }, { "$comment", Keyword::Annotation }, { "title", Keyword::Annotation },
    { "description", Keyword::Annotation }, { "default", Keyword::Annotation }, { "examples", Keyword::Annotation },
    { "readOnly", Keyword::Annotation }, { "writeOnly", Keyword::Annotation }, { "deprecated", Keyword::Annotation },
    { "contentMediaType", Keyword::Annotation }, { "contentEncoding", Keyword::Annotation },
    { "contentSchema", Keyword::Annotation },
    // Known keywords we do not implement: a schema using them cannot be fully checked.
    { "unevaluatedProperties", Keyword::Unsupported }, { "unevaluatedItems", Keyword::Unsupported },
    { "$dynamicRef", Keyword::Unsupported }, { "$recursiveRef", Keyword::Unsupported },
};
// clang-format on

Keyword keywordFor(const std::string& name)
{
    static const std::unordered_map<std::string_view, Keyword> table = [] {
        std::unordered_map<std::string_view, Keyword> t;
        for (const auto& k : kKeywords)
            t.emplace(k.name, k.keyword);
        return t;
    }();
    const auto it = table.find(name);
    return it == table.end() ? Keyword::Unknown : it->second;
}

// ---- Values --------------------------------------------------------------------------------------

long double toLongDouble(const json& v)
{
    if (v.is_number_unsigned())
        return static_cast<long double>(v.get<std::uint64_t>());
    if (v.is_number_integer())
        return static_cast<long double>(v.get<std::int64_t>());
    return static_cast<long double>(v.get<double>());
}

bool isIntegral(const json& v)
{
    if (v.is_number_integer())
        return true;
    if (!v.is_number_float())
        return false;
    const double d = v.get<double>();
    return std::isfinite(d) && std::floor(d) == d;
}

// -1, 0, 1; exact for any mix of 64-bit signed/unsigned integers.
int compareNumbers(const json& a, const json& b)
{
    if (a.is_number_integer() && b.is_number_integer()) {
        const bool au = a.is_number_unsigned();
        const bool bu = b.is_number_unsigned();
        if (!au && !bu) {
            const auto x = a.get<std::int64_t>();
            const auto y = b.get<std::int64_t>();
            return x < y ? -1 : (x > y ? 1 : 0);
        }
        if (au && bu) {
            const auto x = a.get<std::uint64_t>();
            const auto y = b.get<std::uint64_t>();
            return x < y ? -1 : (x > y ? 1 : 0);
        }
        if (au) {
            const auto y = b.get<std::int64_t>();
            if (y < 0)
                return 1;
            const auto x = a.get<std::uint64_t>();
            const auto yu = static_cast<std::uint64_t>(y);
            return x < yu ? -1 : (x > yu ? 1 : 0);
        }
        return -compareNumbers(b, a);
    }
    const long double x = toLongDouble(a);
    const long double y = toLongDouble(b);
    return x < y ? -1 : (x > y ? 1 : 0);
}

// JSON equality as JSON Schema defines it: numbers compare by value (1 == 1.0), objects ignore order.
bool jsonEqual(const json& a, const json& b, int depth, bool& tooDeep)
{
    if (depth > kMaxValueDepth) {
        tooDeep = true;
        return false;
    }
    if (a.is_number() && b.is_number())
        return compareNumbers(a, b) == 0;
    if (a.type() != b.type())
        return false;
    if (a.is_array()) {
        const auto& x = a.get_ref<const json::array_t&>();
        const auto& y = b.get_ref<const json::array_t&>();
        if (x.size() != y.size())
            return false;
        for (std::size_t i = 0; i < x.size(); ++i) {
            if (!jsonEqual(x[i], y[i], depth + 1, tooDeep))
                return false;
        }
        return true;
    }
    if (a.is_object()) {
        const auto& x = a.get_ref<const json::object_t&>();
        const auto& y = b.get_ref<const json::object_t&>();
        if (x.size() != y.size())
            return false;
        for (const auto& [key, value] : x) {
            const auto it = y.find(key);
            if (it == y.end() || !jsonEqual(value, it->second, depth + 1, tooDeep))
                return false;
        }
        return true;
    }
    if (a.is_string())
        return a.get_ref<const std::string&>() == b.get_ref<const std::string&>();
    if (a.is_boolean())
        return a.get<bool>() == b.get<bool>();
    return a.is_null();
}

// Hash consistent with jsonEqual (equal values hash equally); used to find duplicates in long arrays.
std::size_t hashValue(const json& v, int depth)
{
    if (depth > 32)
        return 0x9e3779b9U; // deep parts share a bucket; jsonEqual decides
    std::size_t h = static_cast<std::size_t>(v.type()) * 0x100000001b3ULL;
    if (v.is_number()) {
        const long double x = toLongDouble(v);
        if (std::floor(x) == x && std::fabs(x) < 9.0e18L)
            return std::hash<std::int64_t> {}(static_cast<std::int64_t>(x));
        double d = static_cast<double>(x);
        if (d == 0.0)
            d = 0.0;
        return std::hash<double> {}(d);
    }
    if (v.is_string())
        return std::hash<std::string> {}(v.get_ref<const std::string&>());
    if (v.is_boolean())
        return v.get<bool>() ? 0x51U : 0x52U;
    if (v.is_array()) {
        for (const auto& e : v.get_ref<const json::array_t&>())
            h = h * 31U + hashValue(e, depth + 1);
    } else if (v.is_object()) {
        for (const auto& [key, value] : v.get_ref<const json::object_t&>())
            h = (h * 31U + std::hash<std::string> {}(key)) * 31U + hashValue(value, depth + 1);
    }
    return h;
}

std::size_t codePointCount(const std::string& s)
{
    std::size_t n = 0;
    for (const char c : s) {
        if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U)
            ++n;
    }
    return n;
}

// A non-negative integer keyword value (2.0 counts). false when malformed.
bool readCount(const json& v, std::uint64_t& out)
{
    if (v.is_number_unsigned()) {
        out = v.get<std::uint64_t>();
        return true;
    }
    if (v.is_number_integer()) {
        const auto i = v.get<std::int64_t>();
        if (i < 0)
            return false;
        out = static_cast<std::uint64_t>(i);
        return true;
    }
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (!(d >= 0.0) || std::floor(d) != d)
            return false;
        out = d >= 1.8e19 ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(d);
        return true;
    }
    return false;
}

QString typeNameOf(const json& v)
{
    switch (v.type()) {
    case json::value_t::null:
        return QStringLiteral("null");
    case json::value_t::boolean:
        return QStringLiteral("boolean");
    case json::value_t::object:
        return QStringLiteral("object");
    case json::value_t::array:
        return QStringLiteral("array");
    case json::value_t::string:
        return QStringLiteral("string");
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
        return QStringLiteral("integer");
    case json::value_t::number_float:
        return isIntegral(v) ? QStringLiteral("integer") : QStringLiteral("number");
    default:
        return QStringLiteral("unknown");
    }
}

QString plural(std::uint64_t n, const char* one, const char* many)
{
    return QStringLiteral("%1 %2").arg(n).arg(QLatin1String(n == 1 ? one : many));
}

// Short, safe rendering of a value for a message (no deep recursion, bounded length).
QString describe(const json& v)
{
    auto clip = [](QString s) {
        if (s.size() > 60)
            s = s.left(57) + QStringLiteral("...");
        return s;
    };
    if (v.is_string())
        return QLatin1Char('"') + clip(qs(v.get_ref<const std::string&>())) + QLatin1Char('"');
    if (v.is_array() || v.is_object()) {
        bool flat = v.size() <= 8;
        for (const auto& e : v) {
            if (e.is_array() || e.is_object())
                flat = false;
        }
        if (!flat)
            return v.is_array() ? QStringLiteral("an array of %1").arg(plural(v.size(), "item", "items"))
                                : QStringLiteral("an object with %1").arg(plural(v.size(), "property", "properties"));
    }
    return clip(qs(v.dump(-1, ' ', false, json::error_handler_t::replace)));
}

// "at least 2 are required" / "at most 1 is allowed"
QString limitText(bool isMin, std::uint64_t limit)
{
    return isMin ? QStringLiteral("at least %1 required").arg(plural(limit, "is", "are"))
                 : QStringLiteral("at most %1 allowed").arg(plural(limit, "is", "are"));
}

// ---- Regular expressions -------------------------------------------------------------------------

// JSON Schema patterns are ECMA-262 regular expressions; QRegularExpression is PCRE2. Translate the
// differences that matter in practice: "$" means end of input (PCRE also matches before a final
// newline), \uXXXX, \v, "[^]" / "[]", a literal "[" inside a class, and identity escapes of letters
// ("\Z" is just "Z" in ECMA-262).
QString ecmaToPcre(const std::string& source)
{
    const QString in = QString::fromStdString(source);
    QString out;
    out.reserve(in.size() + 8);
    bool inClass = false;
    auto isHex = [](QChar c) { return c.isDigit() || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F'); };
    for (qsizetype i = 0; i < in.size(); ++i) {
        const QChar c = in.at(i);
        if (c == u'\\' && i + 1 < in.size()) {
            const QChar n = in.at(++i);
            if (n == u'u') {
                if (i + 4 < in.size() && isHex(in.at(i + 1)) && isHex(in.at(i + 2)) && isHex(in.at(i + 3))
                    && isHex(in.at(i + 4))) {
                    out += QStringLiteral("\\x{") + in.mid(i + 1, 4) + QLatin1Char('}');
                    i += 4;
                } else {
                    out += n;
                }
            } else if (n == u'v') {
                out += QStringLiteral("\\x0B");
            } else if (n.unicode() < 128 && n.isLetter() && !QStringView(u"dDwWsSbBfnrtcxkpP").contains(n)) {
                out += n;
            } else {
                out += c;
                out += n;
            }
            continue;
        }
        if (inClass) {
            if (c == u']')
                inClass = false;
            out += c == u'[' ? QStringLiteral("\\[") : QString(c);
            continue;
        }
        if (c == u'[') {
            if (QStringView(in).mid(i, 3) == u"[^]") {
                out += QStringLiteral("[\\s\\S]");
                i += 2;
            } else if (QStringView(in).mid(i, 2) == u"[]") {
                out += QStringLiteral("(?!)");
                i += 1;
            } else {
                inClass = true;
                out += c;
                if (i + 1 < in.size() && in.at(i + 1) == u'^')
                    out += in.at(++i);
            }
            continue;
        }
        if (c == u'$')
            out += QStringLiteral("\\z");
        else
            out += c;
    }
    return out;
}

std::size_t& compileCounter()
{
    thread_local std::size_t count = 0;
    return count;
}

struct CompiledPattern
{
    QRegularExpression regex;
    QString error; // empty when valid
};

// Compiled once per thread and pattern (QRegularExpression copies share the compiled program).
CompiledPattern compiledPattern(const std::string& pattern)
{
    thread_local std::unordered_map<std::string, CompiledPattern> cache;
    const auto it = cache.find(pattern);
    if (it != cache.end())
        return it->second;
    if (cache.size() >= kMaxCachedPatterns)
        cache.clear();
    CompiledPattern compiled;
    compiled.regex = QRegularExpression(ecmaToPcre(pattern));
    ++compileCounter();
    if (compiled.regex.isValid())
        compiled.regex.optimize();
    else
        compiled.error = compiled.regex.errorString();
    return cache.emplace(pattern, compiled).first->second;
}

bool searchMatches(const QRegularExpression& regex, const std::string& text)
{
    // match() is an unanchored search, as JSON Schema requires.
    return regex.match(QString::fromStdString(text)).hasMatch();
}

// ---- Formats (asserted only on request) ----------------------------------------------------------

bool readDigits(std::string_view s, std::size_t& pos, std::size_t count, int& value)
{
    if (pos + count > s.size())
        return false;
    value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + (c - '0');
    }
    pos += count;
    return true;
}

bool expectChar(std::string_view s, std::size_t& pos, char c)
{
    if (pos >= s.size() || s[pos] != c)
        return false;
    ++pos;
    return true;
}

bool parseFullDate(std::string_view s, std::size_t& pos)
{
    int year = 0, month = 0, day = 0;
    if (!readDigits(s, pos, 4, year) || !expectChar(s, pos, '-') || !readDigits(s, pos, 2, month)
        || !expectChar(s, pos, '-') || !readDigits(s, pos, 2, day))
        return false;
    if (month < 1 || month > 12 || day < 1)
        return false;
    static constexpr int kDays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

// RFC 3339 full-time: HH:MM:SS[.frac](Z|+HH:MM|-HH:MM); a leap second must fall on 23:59:60 UTC.
bool parseFullTime(std::string_view s, std::size_t& pos)
{
    int hour = 0, minute = 0, second = 0;
    if (!readDigits(s, pos, 2, hour) || !expectChar(s, pos, ':') || !readDigits(s, pos, 2, minute)
        || !expectChar(s, pos, ':') || !readDigits(s, pos, 2, second))
        return false;
    if (hour > 23 || minute > 59 || second > 60)
        return false;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
            ++pos;
        if (pos == start)
            return false;
    }
    if (pos >= s.size())
        return false;
    int offset = 0;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        const int sign = s[pos] == '+' ? 1 : -1;
        ++pos;
        int oh = 0, om = 0;
        if (!readDigits(s, pos, 2, oh) || !expectChar(s, pos, ':') || !readDigits(s, pos, 2, om) || oh > 23 || om > 59)
            return false;
        offset = sign * (oh * 60 + om);
    } else {
        return false;
    }
    if (second == 60) {
        const int utcMinutes = ((hour * 60 + minute - offset) % 1440 + 1440) % 1440;
        if (utcMinutes != 23 * 60 + 59)
            return false;
    }
    return true;
}

bool isDateTime(std::string_view s)
{
    std::size_t pos = 0;
    if (!parseFullDate(s, pos) || pos >= s.size() || (s[pos] != 'T' && s[pos] != 't'))
        return false;
    ++pos;
    return parseFullTime(s, pos) && pos == s.size();
}

bool isDate(std::string_view s)
{
    std::size_t pos = 0;
    return parseFullDate(s, pos) && pos == s.size();
}

bool isTime(std::string_view s)
{
    std::size_t pos = 0;
    return parseFullTime(s, pos) && pos == s.size();
}

bool isAsciiAlnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool isHostname(std::string_view host)
{
    if (host.empty() || host.size() > 253)
        return false;
    std::size_t start = 0;
    while (start <= host.size()) {
        const std::size_t dot = std::min(host.find('.', start), host.size());
        const std::string_view label = host.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-')
            return false;
        for (const char c : label) {
            if (!isAsciiAlnum(c) && c != '-')
                return false;
        }
        start = dot + 1;
    }
    return true;
}

// RFC 5321 mailbox, ASCII only: dot-atom or quoted local part, hostname or [address literal] domain.
bool isEmail(std::string_view s)
{
    const std::size_t at = s.rfind('@');
    if (at == std::string_view::npos || at == 0 || at + 1 >= s.size())
        return false;
    const std::string_view local = s.substr(0, at);
    const std::string_view domain = s.substr(at + 1);
    if (local.size() > 64)
        return false;
    if (local.front() == '"') {
        if (local.size() < 2 || local.back() != '"')
            return false;
    } else {
        if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos)
            return false;
        for (const char c : local) {
            if (!isAsciiAlnum(c) && std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) == std::string_view::npos)
                return false;
        }
    }
    if (domain.front() == '[') {
        if (domain.back() != ']' || domain.size() < 3)
            return false;
        for (const char c : domain.substr(1, domain.size() - 2)) {
            if (!isAsciiAlnum(c) && c != '.' && c != ':')
                return false;
        }
        return true;
    }
    return isHostname(domain);
}

// RFC 3986 URI (absolute: needs a scheme); only characters a URI may contain, valid %-escapes.
bool isUri(std::string_view s)
{
    if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
        return false;
    std::size_t i = 1;
    while (i < s.size() && (isAsciiAlnum(s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.'))
        ++i;
    if (i >= s.size() || s[i] != ':')
        return false;
    auto isHex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); };
    int hashes = 0;
    for (++i; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size() || !isHex(s[i + 1]) || !isHex(s[i + 2]))
                return false;
            i += 2;
        } else if (c == '#') {
            if (++hashes > 1)
                return false;
        } else if (!isAsciiAlnum(c) && std::string_view("-._~:/?[]@!$&'()*+,;=").find(c) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

bool isUuid(std::string_view s)
{
    if (s.size() != 36)
        return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

using FormatCheck = bool (*)(std::string_view);

struct FormatInfo
{
    std::string_view name;
    FormatCheck check;
};

constexpr FormatInfo kFormats[] = {
    { "date-time", isDateTime },
    { "date", isDate },
    { "time", isTime },
    { "email", isEmail },
    { "uri", isUri },
    { "uuid", isUuid },
};

FormatCheck formatCheckFor(const std::string& name)
{
    for (const auto& f : kFormats) {
        if (f.name == name)
            return f.check;
    }
    return nullptr;
}

// ---- URIs and JSON pointers ----------------------------------------------------------------------

// Absolute form of `ref` against `base`, without fragment; the one normalisation used for all keys.
std::string resolveUri(const std::string& base, std::string_view ref)
{
    const QUrl resolved = QUrl(QString::fromStdString(base)).resolved(QUrl(qs(ref)));
    return resolved.toEncoded(QUrl::RemoveFragment).toStdString();
}

std::string percentDecode(std::string_view s)
{
    if (s.find('%') == std::string_view::npos)
        return std::string(s);
    return QByteArray::fromPercentEncoding(QByteArray(s.data(), static_cast<qsizetype>(s.size()))).toStdString();
}

// RFC 6901 reference token: ~1 is "/", ~0 is "~"; any other "~" makes the pointer invalid.
bool unescapeToken(std::string_view token, std::string& out)
{
    out.clear();
    for (std::size_t i = 0; i < token.size(); ++i) {
        if (token[i] != '~') {
            out += token[i];
            continue;
        }
        if (i + 1 >= token.size() || (token[i + 1] != '0' && token[i + 1] != '1'))
            return false;
        out += token[++i] == '0' ? '~' : '/';
    }
    return true;
}

// ---- The validator -------------------------------------------------------------------------------

struct PathToken
{
    const std::string* key; // object member, or nullptr for an array index
    std::size_t index;
};

class PathGuard
{
public:
    PathGuard(std::vector<PathToken>& path, const std::string* key)
        : m_path(path)
    {
        m_path.push_back({ key, 0 });
    }
    PathGuard(std::vector<PathToken>& path, std::size_t index)
        : m_path(path)
    {
        m_path.push_back({ nullptr, index });
    }
    ~PathGuard() { m_path.pop_back(); }
    PathGuard(const PathGuard&) = delete;
    PathGuard& operator=(const PathGuard&) = delete;

private:
    std::vector<PathToken>& m_path;
};

// A schema resource: the node that carries an "$id" (or the root) and its absolute URI.
struct Scope
{
    std::string uri;
    const json* resource;
};

struct RefTarget
{
    const json* node = nullptr;
    std::string uri;
    const json* resource = nullptr;
    bool outside = false; // the URI names no resource in this schema
};

struct AnchorTarget
{
    const json* node;
    const json* resource;
};

class Validator
{
public:
    Validator(const json& root, const ValidationOptions& options, ValidationResult& result);
    bool run(const json& instance);

private:
    bool eval(const json& schema, const json& inst, bool report);
    bool evalKeywords(const json::object_t& obj, const json& inst, bool report);
    bool evalRef(const json& ref, const json& inst, bool report);

    bool checkType(const json& value, const json& inst, bool report);
    bool checkEnum(const json& value, const json& inst, bool report);
    bool checkConst(const json& value, const json& inst, bool report);
    bool checkProperties(const json& value, const json& inst, bool report);
    bool checkRequired(const json& value, const json& inst, bool report);
    bool checkAdditionalProperties(const json::object_t& obj, const json& value, const json& inst, bool report);
    bool checkPatternProperties(const json& value, const json& inst, bool report);
    bool checkPropertyNames(const json& value, const json& inst, bool report);
    bool checkPropertyCount(Keyword kw, const json& value, const json& inst, bool report);
    bool checkDependentRequired(
        const char* keyword, const std::string& prop, const json& names, const json& inst, bool report);
    bool checkDependencies(Keyword kw, const json& value, const json& inst, bool report);
    bool checkItems(const json::object_t& obj, const json& inst, bool report);
    bool checkContains(const json::object_t& obj, const json& value, const json& inst, bool report);
    bool checkItemCount(Keyword kw, const json& value, const json& inst, bool report);
    bool checkUniqueItems(const json& value, const json& inst, bool report);
    bool checkBound(Keyword kw, const json& value, const json& inst, bool report);
    bool checkMultipleOf(const json& value, const json& inst, bool report);
    bool checkLength(Keyword kw, const json& value, const json& inst, bool report);
    bool checkPattern(const json& value, const json& inst, bool report);
    bool checkFormat(const json& value, const json& inst, bool report);
    bool checkCombination(Keyword kw, const json& value, const json& inst, bool report);
    bool checkIf(const json::object_t& obj, const json& value, const json& inst, bool report);

    bool equal(const json& a, const json& b);
    std::optional<std::string> baseChangeOf(const json& node, const std::string& base);
    bool enterResource(const json& schema);
    bool resolveRef(const std::string& ref, RefTarget& out);
    bool resolvePointer(const std::string& pointer, RefTarget& target);
    void buildIndex();
    void indexNode(const json& node, std::string base, const json* resource, int depth);
    void detectDraft(const json& value);

    void addIssue(const QString& keyword, const QString& message);
    void notChecked(const QString& keyword, const QString& message);
    void malformed(const char* keyword, const QString& expectation);
    void draftMismatch(const std::string& keyword);
    QString pathString() const;

    const json& m_root;
    ValidationResult& m_result;
    Draft m_draft;
    bool m_assertFormats;
    std::string m_rootUri;
    std::vector<PathToken> m_path;
    std::vector<Scope> m_scope;
    std::vector<std::pair<const json*, const json*>> m_refStack; // (schema, instance) of active $refs
    int m_depth = 0;
    std::size_t m_steps = 0;
    bool m_stopped = false;
    bool m_indexBuilt = false;
    std::unordered_map<std::string, const json*> m_resources; // absolute URI -> resource node
    std::unordered_map<std::string, AnchorTarget> m_anchors; // "uri#name" -> node
    std::unordered_map<const json*, std::string> m_nodeUri; // resource node -> absolute URI
};

Validator::Validator(const json& root, const ValidationOptions& options, ValidationResult& result)
    : m_root(root)
    , m_result(result)
    , m_draft(options.defaultDraft)
    , m_assertFormats(options.assertFormats)
    , m_rootUri(kDefaultBase)
{
    if (root.is_object()) {
        const auto& obj = root.get_ref<const json::object_t&>();
        if (const auto it = obj.find("$schema"); it != obj.end())
            detectDraft(it->second);
        if (auto uri = baseChangeOf(root, m_rootUri))
            m_rootUri = std::move(*uri);
    }
    m_scope.push_back({ m_rootUri, &root });
}

bool Validator::run(const json& instance)
{
    if (m_root.is_discarded() || instance.is_discarded()) {
        notChecked(QStringLiteral("schema"), QStringLiteral("The schema or the value is not valid JSON."));
        return true;
    }
    return eval(m_root, instance, true);
}

void Validator::detectDraft(const json& value)
{
    if (!value.is_string()) {
        malformed("$schema", QStringLiteral("a URI string"));
        return;
    }
    const std::string& s = value.get_ref<const std::string&>();
    auto has = [&s](const char* part) { return s.find(part) != std::string::npos; };
    if (has("draft-07") || has("draft-06")) {
        m_draft = Draft::Draft7;
    } else if (has("/draft/2020-12/") || has("/draft/2019-09/")) {
        m_draft = Draft::Draft2020_12;
    } else if (has("draft-04") || has("draft-03")) {
        m_draft = Draft::Draft7;
        notChecked(QStringLiteral("$schema"),
            QStringLiteral("The schema declares %1, an old dialect Lanyard does not support; it was checked "
                           "with draft-07 rules.")
                .arg(qs(s)));
    } else {
        notChecked(QStringLiteral("$schema"),
            QStringLiteral("The schema declares an unknown dialect %1; it was checked with %2 rules.")
                .arg(describe(value),
                    m_draft == Draft::Draft7 ? QStringLiteral("draft-07") : QStringLiteral("2020-12")));
    }
}

bool Validator::eval(const json& schema, const json& inst, bool report)
{
    if (schema.is_boolean()) {
        if (schema.get<bool>())
            return true;
        if (report)
            addIssue(QStringLiteral("false"), QStringLiteral("No value is allowed here (the schema is false)."));
        return false;
    }
    if (!schema.is_object()) {
        notChecked(QStringLiteral("schema"),
            QStringLiteral("A subschema is %1 instead of an object or true/false; it was not checked.")
                .arg(describe(schema)));
        return true;
    }
    if (m_stopped)
        return true;
    if (++m_steps > kMaxSteps) {
        m_stopped = true;
        notChecked(
            QStringLiteral("schema"), QStringLiteral("Checking this value needed too many steps; it stopped early."));
        return true;
    }
    if (m_depth >= kMaxDepth) {
        notChecked(QStringLiteral("schema"),
            QStringLiteral("The schema or the value is nested too deeply; the deeper parts were not checked."));
        return true;
    }
    ++m_depth;
    const bool entered = enterResource(schema);
    const bool ok = evalKeywords(schema.get_ref<const json::object_t&>(), inst, report);
    if (entered)
        m_scope.pop_back();
    --m_depth;
    return ok;
}

bool Validator::evalKeywords(const json::object_t& obj, const json& inst, bool report)
{
    if (m_draft == Draft::Draft7) {
        // draft-07: a "$ref" replaces the whole schema object; its siblings are ignored.
        if (const auto ref = obj.find("$ref"); ref != obj.end())
            return evalRef(ref->second, inst, report);
    }
    const bool draft7 = m_draft == Draft::Draft7;
    bool ok = true;
    bool itemsChecked = false;
    for (const auto& [name, value] : obj) {
        bool r = true;
        const Keyword kw = keywordFor(name);
        switch (kw) {
        case Keyword::Unknown:
        case Keyword::Annotation:
        case Keyword::Definitions:
        case Keyword::Then: // evaluated with "if"
        case Keyword::Else:
            break;
        case Keyword::Unsupported:
            notChecked(qs(name),
                QStringLiteral("The keyword \"%1\" is not supported by Lanyard; it was not checked.").arg(qs(name)));
            break;
        case Keyword::Type:
            r = checkType(value, inst, report);
            break;
        case Keyword::Enum:
            r = checkEnum(value, inst, report);
            break;
        case Keyword::Const:
            r = checkConst(value, inst, report);
            break;
        case Keyword::Properties:
            r = checkProperties(value, inst, report);
            break;
        case Keyword::Required:
            r = checkRequired(value, inst, report);
            break;
        case Keyword::AdditionalProperties:
            r = checkAdditionalProperties(obj, value, inst, report);
            break;
        case Keyword::PatternProperties:
            r = checkPatternProperties(value, inst, report);
            break;
        case Keyword::PropertyNames:
            r = checkPropertyNames(value, inst, report);
            break;
        case Keyword::MinProperties:
        case Keyword::MaxProperties:
            r = checkPropertyCount(kw, value, inst, report);
            break;
        case Keyword::DependentRequired:
        case Keyword::DependentSchemas:
            if (draft7)
                draftMismatch(name);
            else
                r = checkDependencies(kw, value, inst, report);
            break;
        case Keyword::Dependencies:
            r = checkDependencies(kw, value, inst, report);
            break;
        case Keyword::PrefixItems:
        case Keyword::MinContains:
        case Keyword::MaxContains:
            if (draft7)
                draftMismatch(name);
            if (kw != Keyword::PrefixItems || draft7)
                break;
            [[fallthrough]];
        case Keyword::Items:
        case Keyword::AdditionalItems:
            if (!itemsChecked && inst.is_array()) {
                itemsChecked = true;
                r = checkItems(obj, inst, report);
            }
            break;
        case Keyword::Contains:
            r = checkContains(obj, value, inst, report);
            break;
        case Keyword::MinItems:
        case Keyword::MaxItems:
            r = checkItemCount(kw, value, inst, report);
            break;
        case Keyword::UniqueItems:
            r = checkUniqueItems(value, inst, report);
            break;
        case Keyword::Minimum:
        case Keyword::Maximum:
        case Keyword::ExclusiveMinimum:
        case Keyword::ExclusiveMaximum:
            r = checkBound(kw, value, inst, report);
            break;
        case Keyword::MultipleOf:
            r = checkMultipleOf(value, inst, report);
            break;
        case Keyword::MinLength:
        case Keyword::MaxLength:
            r = checkLength(kw, value, inst, report);
            break;
        case Keyword::Pattern:
            r = checkPattern(value, inst, report);
            break;
        case Keyword::Format:
            r = checkFormat(value, inst, report);
            break;
        case Keyword::AllOf:
        case Keyword::AnyOf:
        case Keyword::OneOf:
        case Keyword::Not:
            r = checkCombination(kw, value, inst, report);
            break;
        case Keyword::If:
            r = checkIf(obj, value, inst, report);
            break;
        case Keyword::Ref:
            r = evalRef(value, inst, report);
            break;
        }
        if (!r) {
            if (!report)
                return false;
            ok = false;
        }
    }
    return ok;
}

// ---- $ref ------------------------------------------------------------------------------------------

bool Validator::evalRef(const json& ref, const json& inst, bool report)
{
    if (!ref.is_string()) {
        malformed("$ref", QStringLiteral("a string"));
        return true;
    }
    const std::string& text = ref.get_ref<const std::string&>();
    RefTarget target;
    if (!resolveRef(text, target)) {
        notChecked(QStringLiteral("$ref"),
            (target.outside ? QStringLiteral("The reference \"%1\" points outside this schema (remote references "
                                             "are not fetched); that part was not checked.")
                            : QStringLiteral("The reference \"%1\" points to nothing in this schema; that part was "
                                             "not checked."))
                .arg(qs(text)));
        return true;
    }
    for (const auto& [node, value] : m_refStack) {
        if (node == target.node && value == &inst) {
            notChecked(QStringLiteral("$ref"),
                QStringLiteral("The reference \"%1\" loops back to itself without moving into the value; "
                               "that part was not checked.")
                    .arg(qs(text)));
            return true;
        }
    }
    m_refStack.emplace_back(target.node, &inst);
    m_scope.push_back({ std::move(target.uri), target.resource });
    const bool ok = eval(*target.node, inst, report);
    m_scope.pop_back();
    m_refStack.pop_back();
    return ok;
}

// The absolute URI a schema object's "$id" gives it (draft-07: "#name" is only an anchor, and an
// "$id" next to "$ref" is ignored).
std::optional<std::string> Validator::baseChangeOf(const json& node, const std::string& base)
{
    const auto& obj = node.get_ref<const json::object_t&>();
    const auto it = obj.find("$id");
    if (it == obj.end() || !it->second.is_string())
        return std::nullopt;
    const std::string& id = it->second.get_ref<const std::string&>();
    if (id.empty() || id.front() == '#')
        return std::nullopt;
    if (m_draft == Draft::Draft7 && obj.count("$ref") != 0)
        return std::nullopt;
    if (m_indexBuilt) {
        if (const auto known = m_nodeUri.find(&node); known != m_nodeUri.end())
            return known->second;
    }
    return resolveUri(base, id);
}

bool Validator::enterResource(const json& schema)
{
    if (m_scope.back().resource == &schema)
        return false;
    auto uri = baseChangeOf(schema, m_scope.back().uri);
    if (!uri)
        return false;
    m_scope.push_back({ std::move(*uri), &schema });
    return true;
}

bool Validator::resolveRef(const std::string& ref, RefTarget& out)
{
    const std::size_t hash = ref.find('#');
    const std::string_view uriPart = std::string_view(ref).substr(0, hash);
    const std::string fragment
        = hash == std::string::npos ? std::string() : percentDecode(std::string_view(ref).substr(hash + 1));
    const Scope& current = m_scope.back();
    out.uri = uriPart.empty() ? current.uri : resolveUri(current.uri, uriPart);
    if (out.uri == current.uri) {
        out.resource = current.resource;
    } else {
        buildIndex();
        const auto it = m_resources.find(out.uri);
        if (it == m_resources.end()) {
            out.outside = true;
            return false;
        }
        out.resource = it->second;
    }
    if (fragment.empty()) {
        out.node = out.resource;
        return true;
    }
    if (fragment.front() == '/')
        return resolvePointer(fragment, out);
    buildIndex();
    const auto anchor = m_anchors.find(out.uri + '#' + fragment);
    if (anchor == m_anchors.end())
        return false;
    out.node = anchor->second.node;
    out.resource = anchor->second.resource;
    return true;
}

// Walks a JSON pointer from target.resource; schema objects with an "$id" on the way move the base URI.
bool Validator::resolvePointer(const std::string& pointer, RefTarget& target)
{
    const json* node = target.resource;
    std::string token;
    std::size_t pos = 1;
    while (true) {
        const std::size_t next = pointer.find('/', pos);
        if (!unescapeToken(std::string_view(pointer).substr(pos, next == std::string::npos ? next : next - pos), token))
            return false;
        if (node->is_object()) {
            const auto& obj = node->get_ref<const json::object_t&>();
            const auto it = obj.find(token);
            if (it == obj.end())
                return false;
            node = &it->second;
        } else if (node->is_array()) {
            const auto& arr = node->get_ref<const json::array_t&>();
            if (token.empty() || token.size() > 9 || (token.size() > 1 && token.front() == '0')
                || !std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; }))
                return false;
            const auto index = static_cast<std::size_t>(std::stoul(token));
            if (index >= arr.size())
                return false;
            node = &arr[index];
        } else {
            return false;
        }
        if (node->is_object()) {
            if (auto uri = baseChangeOf(*node, target.uri)) {
                target.uri = std::move(*uri);
                target.resource = node;
            }
        }
        if (next == std::string::npos)
            break;
        pos = next + 1;
    }
    target.node = node;
    return true;
}

void Validator::buildIndex()
{
    if (m_indexBuilt)
        return;
    m_indexBuilt = true;
    indexNode(m_root, m_rootUri, &m_root, 0);
}

// Records every "$id" resource and anchor reachable through schema keywords.
void Validator::indexNode(const json& node, std::string base, const json* resource, int depth)
{
    if (depth > kMaxDepth || !node.is_object())
        return;
    const auto& obj = node.get_ref<const json::object_t&>();
    if (&node == &m_root) {
        m_resources.emplace(base, &node);
    } else if (auto uri = baseChangeOf(node, base)) {
        base = std::move(*uri);
        resource = &node;
        m_resources.emplace(base, &node);
        m_nodeUri.emplace(&node, base);
    }
    auto addAnchor = [&](const json& name) {
        if (name.is_string() && !name.get_ref<const std::string&>().empty())
            m_anchors.emplace(base + '#' + name.get_ref<const std::string&>(), AnchorTarget { &node, resource });
    };
    if (const auto id = obj.find("$id");
        id != obj.end() && id->second.is_string() && !(m_draft == Draft::Draft7 && obj.count("$ref") != 0)) {
        const std::string& text = id->second.get_ref<const std::string&>();
        if (const auto hash = text.find('#'); hash != std::string::npos)
            addAnchor(json(percentDecode(std::string_view(text).substr(hash + 1))));
    }
    if (const auto a = obj.find("$anchor"); a != obj.end())
        addAnchor(a->second);
    if (const auto a = obj.find("$dynamicAnchor"); a != obj.end())
        addAnchor(a->second);

    auto visit = [&](const json& child) { indexNode(child, base, resource, depth + 1); };
    for (const auto& [name, value] : obj) {
        switch (keywordFor(name)) {
        case Keyword::AdditionalProperties:
        case Keyword::AdditionalItems:
        case Keyword::Contains:
        case Keyword::PropertyNames:
        case Keyword::Not:
        case Keyword::If:
        case Keyword::Then:
        case Keyword::Else:
            visit(value);
            break;
        case Keyword::Items:
        case Keyword::PrefixItems:
        case Keyword::AllOf:
        case Keyword::AnyOf:
        case Keyword::OneOf:
            if (value.is_array()) {
                for (const auto& child : value)
                    visit(child);
            } else {
                visit(value);
            }
            break;
        case Keyword::Properties:
        case Keyword::PatternProperties:
        case Keyword::DependentSchemas:
        case Keyword::Dependencies:
        case Keyword::Definitions:
            if (value.is_object()) {
                for (const auto& child : value)
                    visit(child);
            }
            break;
        default:
            break;
        }
    }
}

// ---- Issues ----------------------------------------------------------------------------------------

QString Validator::pathString() const
{
    QString out;
    for (const auto& token : m_path) {
        out += QLatin1Char('/');
        if (token.key) {
            QString key = qs(*token.key);
            key.replace(QLatin1Char('~'), QStringLiteral("~0"));
            key.replace(QLatin1Char('/'), QStringLiteral("~1"));
            out += key;
        } else {
            out += QString::number(token.index);
        }
    }
    return out;
}

void Validator::addIssue(const QString& keyword, const QString& message)
{
    if (m_result.issues.size() < kMaxIssues)
        m_result.issues.append({ pathString(), keyword, message });
}

void Validator::notChecked(const QString& keyword, const QString& message)
{
    if (!m_result.unsupportedKeywords.contains(keyword))
        m_result.unsupportedKeywords.append(keyword);
    if (m_result.notChecked.size() >= kMaxNotChecked)
        return;
    for (const auto& entry : std::as_const(m_result.notChecked)) {
        if (entry.keyword == keyword && entry.message == message)
            return;
    }
    m_result.notChecked.append({ pathString(), keyword, message });
}

void Validator::malformed(const char* keyword, const QString& expectation)
{
    notChecked(QLatin1String(keyword),
        QStringLiteral("The keyword \"%1\" should be %2; it was not checked.")
            .arg(QLatin1String(keyword), expectation));
}

void Validator::draftMismatch(const std::string& keyword)
{
    notChecked(qs(keyword),
        QStringLiteral("The keyword \"%1\" belongs to JSON Schema 2020-12, but this schema declares draft-07; "
                       "it was not checked.")
            .arg(qs(keyword)));
}

bool Validator::equal(const json& a, const json& b)
{
    bool tooDeep = false;
    const bool same = jsonEqual(a, b, 0, tooDeep);
    if (tooDeep)
        notChecked(QStringLiteral("schema"),
            QStringLiteral("A value is nested too deeply to compare; it was treated "
                           "as different."));
    return same;
}

// ---- Keywords for any type -------------------------------------------------------------------------

// 1 matches, 0 does not, -1 unknown type name.
int typeMatches(const std::string& type, const json& inst)
{
    if (type == "string")
        return inst.is_string();
    if (type == "object")
        return inst.is_object();
    if (type == "array")
        return inst.is_array();
    if (type == "number")
        return inst.is_number();
    if (type == "integer")
        return isIntegral(inst);
    if (type == "boolean")
        return inst.is_boolean();
    if (type == "null")
        return inst.is_null();
    return -1;
}

bool Validator::checkType(const json& value, const json& inst, bool report)
{
    bool unknown = false;
    QStringList names;
    auto consider = [&](const json& t) {
        if (!t.is_string()) {
            unknown = true;
            return false;
        }
        const int m = typeMatches(t.get_ref<const std::string&>(), inst);
        unknown = unknown || m < 0;
        if (report)
            names.append(qs(t.get_ref<const std::string&>()));
        return m > 0;
    };
    if (value.is_string()) {
        if (consider(value))
            return true;
    } else if (value.is_array()) {
        for (const auto& t : value) {
            if (consider(t))
                return true;
        }
    } else {
        unknown = true;
    }
    if (unknown) {
        malformed("type",
            QStringLiteral("one of null, boolean, object, array, number, integer, string (or an array "
                           "of them)"));
        return true;
    }
    if (report) {
        const QString expected
            = names.size() == 1 ? names.front() : QStringLiteral("one of %1").arg(names.join(QStringLiteral(", ")));
        addIssue(QStringLiteral("type"), QStringLiteral("Expected %1, got %2.").arg(expected, typeNameOf(inst)));
    }
    return false;
}

bool Validator::checkEnum(const json& value, const json& inst, bool report)
{
    if (!value.is_array()) {
        malformed("enum", QStringLiteral("an array"));
        return true;
    }
    for (const auto& candidate : value) {
        if (equal(candidate, inst))
            return true;
    }
    if (report) {
        QStringList shown;
        for (const auto& candidate : value) {
            if (shown.size() == 6) {
                shown.append(QStringLiteral("..."));
                break;
            }
            shown.append(describe(candidate));
        }
        addIssue(QStringLiteral("enum"),
            QStringLiteral("The value must be one of: %1.").arg(shown.join(QStringLiteral(", "))));
    }
    return false;
}

bool Validator::checkConst(const json& value, const json& inst, bool report)
{
    if (equal(value, inst))
        return true;
    if (report)
        addIssue(QStringLiteral("const"),
            (value.is_array() || value.is_object()
                    ? QStringLiteral("The value must equal the fixed value given in the schema (%1).")
                    : QStringLiteral("The value must be exactly %1."))
                .arg(describe(value)));
    return false;
}

bool Validator::checkCombination(Keyword kw, const json& value, const json& inst, bool report)
{
    if (kw == Keyword::Not) {
        if (!eval(value, inst, false))
            return true;
        if (report)
            addIssue(QStringLiteral("not"), QStringLiteral("The value matches a schema it must not match (not)."));
        return false;
    }
    const char* name = kw == Keyword::AllOf ? "allOf" : (kw == Keyword::AnyOf ? "anyOf" : "oneOf");
    if (!value.is_array() || value.empty()) {
        malformed(name, QStringLiteral("a non-empty array of schemas"));
        return true;
    }
    if (kw == Keyword::AllOf) {
        bool ok = true;
        for (const auto& sub : value) {
            if (!eval(sub, inst, report)) {
                if (!report)
                    return false;
                ok = false;
            }
        }
        return ok;
    }
    if (kw == Keyword::AnyOf) {
        for (const auto& sub : value) {
            if (eval(sub, inst, false))
                return true;
        }
        if (report)
            addIssue(QStringLiteral("anyOf"),
                QStringLiteral("The value matches none of the %1 allowed alternatives (anyOf).").arg(value.size()));
        return false;
    }
    int matches = 0;
    for (const auto& sub : value) {
        if (eval(sub, inst, false) && ++matches > 1)
            break;
    }
    if (matches == 1)
        return true;
    if (report) {
        addIssue(QStringLiteral("oneOf"),
            matches == 0
                ? QStringLiteral("The value matches none of the %1 alternatives (oneOf).").arg(value.size())
                : QStringLiteral("The value matches more than one alternative; exactly one must match (oneOf)."));
    }
    return false;
}

bool Validator::checkIf(const json::object_t& obj, const json& value, const json& inst, bool report)
{
    const bool condition = eval(value, inst, false);
    const auto branch = obj.find(condition ? "then" : "else");
    if (branch == obj.end())
        return true;
    return eval(branch->second, inst, report);
}

// ---- Objects -----------------------------------------------------------------------------------------

bool Validator::checkProperties(const json& value, const json& inst, bool report)
{
    if (!inst.is_object())
        return true;
    if (!value.is_object()) {
        malformed("properties", QStringLiteral("an object of schemas"));
        return true;
    }
    const auto& members = inst.get_ref<const json::object_t&>();
    bool ok = true;
    for (const auto& [name, sub] : value.get_ref<const json::object_t&>()) {
        const auto it = members.find(name);
        if (it == members.end())
            continue;
        PathGuard guard(m_path, &it->first);
        if (!eval(sub, it->second, report)) {
            if (!report)
                return false;
            ok = false;
        }
    }
    return ok;
}

bool Validator::checkRequired(const json& value, const json& inst, bool report)
{
    if (!inst.is_object())
        return true;
    if (!value.is_array()) {
        malformed("required", QStringLiteral("an array of property names"));
        return true;
    }
    const auto& members = inst.get_ref<const json::object_t&>();
    bool ok = true;
    for (const auto& name : value) {
        if (!name.is_string()) {
            malformed("required", QStringLiteral("an array of property names"));
            continue;
        }
        if (members.count(name.get_ref<const std::string&>()) != 0)
            continue;
        if (!report)
            return false;
        ok = false;
        addIssue(QStringLiteral("required"),
            QStringLiteral("The required property \"%1\" is missing.").arg(qs(name.get_ref<const std::string&>())));
    }
    return ok;
}

bool Validator::checkAdditionalProperties(const json::object_t& obj, const json& value, const json& inst, bool report)
{
    if (!inst.is_object() || (value.is_boolean() && value.get<bool>()))
        return true;
    if (!value.is_object() && !value.is_boolean()) {
        malformed("additionalProperties", QStringLiteral("a schema"));
        return true;
    }
    const json::object_t* properties = nullptr;
    if (const auto it = obj.find("properties"); it != obj.end() && it->second.is_object())
        properties = &it->second.get_ref<const json::object_t&>();
    std::vector<QRegularExpression> patterns;
    if (const auto it = obj.find("patternProperties"); it != obj.end() && it->second.is_object()) {
        for (const auto& [pattern, sub] : it->second.get_ref<const json::object_t&>()) {
            CompiledPattern compiled = compiledPattern(pattern);
            if (compiled.error.isEmpty())
                patterns.push_back(std::move(compiled.regex));
            else
                notChecked(QStringLiteral("patternProperties"),
                    QStringLiteral("The pattern \"%1\" is not a valid regular expression (%2); it was not "
                                   "checked.")
                        .arg(qs(pattern), compiled.error));
        }
    }
    const bool forbidden = value.is_boolean();
    bool ok = true;
    for (const auto& [name, member] : inst.get_ref<const json::object_t&>()) {
        if (properties && properties->count(name) != 0)
            continue;
        if (!patterns.empty()) {
            const QString key = qs(name);
            if (std::any_of(patterns.begin(), patterns.end(),
                    [&key](const QRegularExpression& re) { return re.match(key).hasMatch(); }))
                continue;
        }
        if (forbidden) {
            if (!report)
                return false;
            ok = false;
            PathGuard guard(m_path, &name);
            addIssue(QStringLiteral("additionalProperties"),
                QStringLiteral("The property \"%1\" is not allowed here.").arg(qs(name)));
            continue;
        }
        PathGuard guard(m_path, &name);
        if (!eval(value, member, report)) {
            if (!report)
                return false;
            ok = false;
        }
    }
    return ok;
}

bool Validator::checkPatternProperties(const json& value, const json& inst, bool report)
{
    if (!inst.is_object())
        return true;
    if (!value.is_object()) {
        malformed("patternProperties", QStringLiteral("an object of schemas"));
        return true;
    }
    bool ok = true;
    for (const auto& [pattern, sub] : value.get_ref<const json::object_t&>()) {
        const CompiledPattern compiled = compiledPattern(pattern);
        if (!compiled.error.isEmpty()) {
            notChecked(QStringLiteral("patternProperties"),
                QStringLiteral("The pattern \"%1\" is not a valid regular expression (%2); it was not checked.")
                    .arg(qs(pattern), compiled.error));
            continue;
        }
        for (const auto& [name, member] : inst.get_ref<const json::object_t&>()) {
            if (!searchMatches(compiled.regex, name))
                continue;
            PathGuard guard(m_path, &name);
            if (!eval(sub, member, report)) {
                if (!report)
                    return false;
                ok = false;
            }
        }
    }
    return ok;
}

bool Validator::checkPropertyNames(const json& value, const json& inst, bool report)
{
    if (!inst.is_object())
        return true;
    bool ok = true;
    for (const auto& [name, member] : inst.get_ref<const json::object_t&>()) {
        const json key(name);
        if (eval(value, key, false))
            continue;
        if (!report)
            return false;
        ok = false;
        addIssue(QStringLiteral("propertyNames"),
            QStringLiteral("The property name \"%1\" is not allowed (propertyNames).").arg(qs(name)));
    }
    return ok;
}

bool Validator::checkPropertyCount(Keyword kw, const json& value, const json& inst, bool report)
{
    if (!inst.is_object())
        return true;
    const bool isMin = kw == Keyword::MinProperties;
    std::uint64_t limit = 0;
    if (!readCount(value, limit)) {
        malformed(isMin ? "minProperties" : "maxProperties", QStringLiteral("a non-negative integer"));
        return true;
    }
    const std::uint64_t n = inst.size();
    if (isMin ? n >= limit : n <= limit)
        return true;
    if (report)
        addIssue(isMin ? QStringLiteral("minProperties") : QStringLiteral("maxProperties"),
            QStringLiteral("The object has %1; %2.").arg(plural(n, "property", "properties"), limitText(isMin, limit)));
    return false;
}

bool Validator::checkDependentRequired(
    const char* keyword, const std::string& prop, const json& names, const json& inst, bool report)
{
    const auto& members = inst.get_ref<const json::object_t&>();
    bool ok = true;
    for (const auto& name : names) {
        if (!name.is_string()) {
            malformed(keyword, QStringLiteral("an object whose arrays list property names"));
            continue;
        }
        if (members.count(name.get_ref<const std::string&>()) != 0)
            continue;
        if (!report)
            return false;
        ok = false;
        addIssue(QLatin1String(keyword),
            QStringLiteral("The property \"%1\" is required when \"%2\" is present.")
                .arg(qs(name.get_ref<const std::string&>()), qs(prop)));
    }
    return ok;
}

// dependentRequired, dependentSchemas (2020-12) and their draft-07 union "dependencies".
bool Validator::checkDependencies(Keyword kw, const json& value, const json& inst, bool report)
{
    if (!inst.is_object())
        return true;
    const char* name = kw == Keyword::DependentRequired
        ? "dependentRequired"
        : (kw == Keyword::DependentSchemas ? "dependentSchemas" : "dependencies");
    if (!value.is_object()) {
        malformed(name, QStringLiteral("an object"));
        return true;
    }
    const auto& members = inst.get_ref<const json::object_t&>();
    bool ok = true;
    for (const auto& [prop, dependency] : value.get_ref<const json::object_t&>()) {
        if (members.count(prop) == 0)
            continue;
        bool r = true;
        if (dependency.is_array() && kw != Keyword::DependentSchemas)
            r = checkDependentRequired(name, prop, dependency, inst, report);
        else if ((dependency.is_object() || dependency.is_boolean()) && kw != Keyword::DependentRequired)
            r = eval(dependency, inst, report);
        else
            malformed(name,
                kw == Keyword::DependentRequired ? QStringLiteral("an object of arrays of property names")
                                                 : QStringLiteral("an object of schemas"));
        if (!r) {
            if (!report)
                return false;
            ok = false;
        }
    }
    return ok;
}

// ---- Arrays ------------------------------------------------------------------------------------------

// items / prefixItems (2020-12) and the draft-07 tuple form items: [...] + additionalItems, which is
// honoured in both dialects because tool schemas mix them.
bool Validator::checkItems(const json::object_t& obj, const json& inst, bool report)
{
    auto find = [&obj](const char* key) -> const json* {
        const auto it = obj.find(key);
        return it == obj.end() ? nullptr : &it->second;
    };
    const json* items = find("items");
    const json* prefix = m_draft == Draft::Draft2020_12 ? find("prefixItems") : nullptr;
    const json* tuple = nullptr;
    const json* rest = items;
    const char* restKeyword = "items";
    if (prefix) {
        if (!prefix->is_array()) {
            malformed("prefixItems", QStringLiteral("an array of schemas"));
            return true;
        }
        tuple = prefix;
        if (items && items->is_array()) {
            notChecked(QStringLiteral("items"),
                QStringLiteral("\"items\" is an array next to \"prefixItems\"; it was not checked."));
            rest = nullptr;
        }
    } else if (items && items->is_array()) {
        tuple = items;
        rest = find("additionalItems");
        restKeyword = "additionalItems";
    }
    if (rest && !rest->is_object() && !rest->is_boolean()) {
        malformed(restKeyword, QStringLiteral("a schema"));
        rest = nullptr;
    }
    const auto& elements = inst.get_ref<const json::array_t&>();
    bool ok = true;
    std::size_t start = 0;
    if (tuple) {
        const auto& schemas = tuple->get_ref<const json::array_t&>();
        for (std::size_t i = 0; i < schemas.size() && i < elements.size(); ++i) {
            PathGuard guard(m_path, i);
            if (!eval(schemas[i], elements[i], report)) {
                if (!report)
                    return false;
                ok = false;
            }
        }
        start = schemas.size();
    }
    if (!rest || start >= elements.size() || (rest->is_boolean() && rest->get<bool>()))
        return ok;
    if (rest->is_boolean()) {
        if (report)
            addIssue(QLatin1String(restKeyword),
                QStringLiteral("The array has %1; %2.")
                    .arg(plural(elements.size(), "item", "items"), limitText(false, start)));
        return false;
    }
    for (std::size_t i = start; i < elements.size(); ++i) {
        PathGuard guard(m_path, i);
        if (!eval(*rest, elements[i], report)) {
            if (!report)
                return false;
            ok = false;
        }
    }
    return ok;
}

bool Validator::checkContains(const json::object_t& obj, const json& value, const json& inst, bool report)
{
    if (!inst.is_array())
        return true;
    std::uint64_t minimum = 1;
    std::uint64_t maximum = std::numeric_limits<std::uint64_t>::max();
    if (m_draft == Draft::Draft2020_12) {
        if (const auto it = obj.find("minContains"); it != obj.end() && !readCount(it->second, minimum)) {
            malformed("minContains", QStringLiteral("a non-negative integer"));
            minimum = 1;
        }
        if (const auto it = obj.find("maxContains"); it != obj.end() && !readCount(it->second, maximum)) {
            malformed("maxContains", QStringLiteral("a non-negative integer"));
            maximum = std::numeric_limits<std::uint64_t>::max();
        }
    }
    const bool bounded = maximum != std::numeric_limits<std::uint64_t>::max();
    std::uint64_t count = 0;
    const auto& elements = inst.get_ref<const json::array_t&>();
    for (std::size_t i = 0; i < elements.size(); ++i) {
        PathGuard guard(m_path, i);
        if (eval(value, elements[i], false) && ++count >= minimum && !bounded)
            break;
    }
    if (count >= minimum && count <= maximum)
        return true;
    if (report) {
        if (count < minimum)
            addIssue(minimum == 1 ? QStringLiteral("contains") : QStringLiteral("minContains"),
                minimum == 1 ? QStringLiteral("The array has no item that matches the \"contains\" schema.")
                             : QStringLiteral("The array has %1 matching the \"contains\" schema; %2.")
                                   .arg(plural(count, "item", "items"), limitText(true, minimum)));
        else
            addIssue(QStringLiteral("maxContains"),
                QStringLiteral("The array has %1 matching the \"contains\" schema; %2.")
                    .arg(plural(count, "item", "items"), limitText(false, maximum)));
    }
    return false;
}

bool Validator::checkItemCount(Keyword kw, const json& value, const json& inst, bool report)
{
    if (!inst.is_array())
        return true;
    const bool isMin = kw == Keyword::MinItems;
    std::uint64_t limit = 0;
    if (!readCount(value, limit)) {
        malformed(isMin ? "minItems" : "maxItems", QStringLiteral("a non-negative integer"));
        return true;
    }
    const std::uint64_t n = inst.size();
    if (isMin ? n >= limit : n <= limit)
        return true;
    if (report)
        addIssue(isMin ? QStringLiteral("minItems") : QStringLiteral("maxItems"),
            QStringLiteral("The array has %1; %2.").arg(plural(n, "item", "items"), limitText(isMin, limit)));
    return false;
}

bool Validator::checkUniqueItems(const json& value, const json& inst, bool report)
{
    if (!inst.is_array())
        return true;
    if (!value.is_boolean()) {
        malformed("uniqueItems", QStringLiteral("true or false"));
        return true;
    }
    if (!value.get<bool>())
        return true;
    const auto& elements = inst.get_ref<const json::array_t&>();
    auto duplicate = [&](std::size_t i, std::size_t j) {
        if (report)
            addIssue(QStringLiteral("uniqueItems"),
                QStringLiteral("Items %1 and %2 of the array are equal; items must be unique.").arg(i).arg(j));
        return false;
    };
    if (elements.size() <= 32) {
        for (std::size_t j = 1; j < elements.size(); ++j) {
            for (std::size_t i = 0; i < j; ++i) {
                if (equal(elements[i], elements[j]))
                    return duplicate(i, j);
            }
        }
        return true;
    }
    std::unordered_multimap<std::size_t, std::size_t> seen;
    seen.reserve(elements.size());
    for (std::size_t j = 0; j < elements.size(); ++j) {
        const std::size_t h = hashValue(elements[j], 0);
        const auto [first, last] = seen.equal_range(h);
        for (auto it = first; it != last; ++it) {
            if (equal(elements[it->second], elements[j]))
                return duplicate(it->second, j);
        }
        seen.emplace(h, j);
    }
    return true;
}

// ---- Numbers and strings -----------------------------------------------------------------------------

bool Validator::checkBound(Keyword kw, const json& value, const json& inst, bool report)
{
    if (!inst.is_number())
        return true;
    const char* name = kw == Keyword::Minimum
        ? "minimum"
        : (kw == Keyword::Maximum ? "maximum"
                                  : (kw == Keyword::ExclusiveMinimum ? "exclusiveMinimum" : "exclusiveMaximum"));
    if (!value.is_number()) {
        malformed(name,
            value.is_boolean() ? QStringLiteral("a number (true/false is draft-04 syntax)")
                               : QStringLiteral("a number"));
        return true;
    }
    const int c = compareNumbers(inst, value);
    bool ok = true;
    QString relation;
    switch (kw) {
    case Keyword::Minimum:
        ok = c >= 0;
        relation = QStringLiteral("at least");
        break;
    case Keyword::Maximum:
        ok = c <= 0;
        relation = QStringLiteral("at most");
        break;
    case Keyword::ExclusiveMinimum:
        ok = c > 0;
        relation = QStringLiteral("greater than");
        break;
    default:
        ok = c < 0;
        relation = QStringLiteral("less than");
        break;
    }
    if (!ok && report)
        addIssue(QLatin1String(name),
            QStringLiteral("The number %1 must be %2 %3.").arg(describe(inst), relation, describe(value)));
    return ok;
}

bool Validator::checkMultipleOf(const json& value, const json& inst, bool report)
{
    if (!inst.is_number())
        return true;
    if (!value.is_number() || !(toLongDouble(value) > 0)) {
        malformed("multipleOf", QStringLiteral("a number greater than 0"));
        return true;
    }
    bool ok = false;
    if (inst.is_number_integer() && value.is_number_integer()) {
        const std::uint64_t divisor = value.get<std::uint64_t>();
        const std::uint64_t magnitude = inst.is_number_unsigned()
            ? inst.get<std::uint64_t>()
            : (inst.get<std::int64_t>() < 0 ? 0 - static_cast<std::uint64_t>(inst.get<std::int64_t>())
                                            : static_cast<std::uint64_t>(inst.get<std::int64_t>()));
        ok = magnitude % divisor == 0;
    } else {
        const long double q = toLongDouble(inst) / toLongDouble(value);
        if (!std::isfinite(q)) {
            notChecked(QStringLiteral("multipleOf"),
                QStringLiteral("The number is too large to check \"multipleOf\"; it was not checked."));
            return true;
        }
        // Both operands are binary approximations of decimals (0.0075 / 0.0001): allow rounding noise.
        ok = std::fabs(q - std::nearbyint(q)) <= 1e-14L * std::max(1.0L, std::fabs(q));
    }
    if (!ok && report)
        addIssue(QStringLiteral("multipleOf"),
            QStringLiteral("The number %1 must be a multiple of %2.").arg(describe(inst), describe(value)));
    return ok;
}

bool Validator::checkLength(Keyword kw, const json& value, const json& inst, bool report)
{
    if (!inst.is_string())
        return true;
    const bool isMin = kw == Keyword::MinLength;
    std::uint64_t limit = 0;
    if (!readCount(value, limit)) {
        malformed(isMin ? "minLength" : "maxLength", QStringLiteral("a non-negative integer"));
        return true;
    }
    const std::uint64_t n = codePointCount(inst.get_ref<const std::string&>());
    if (isMin ? n >= limit : n <= limit)
        return true;
    if (report)
        addIssue(isMin ? QStringLiteral("minLength") : QStringLiteral("maxLength"),
            QStringLiteral("The text has %1; %2.").arg(plural(n, "character", "characters"), limitText(isMin, limit)));
    return false;
}

bool Validator::checkPattern(const json& value, const json& inst, bool report)
{
    if (!inst.is_string())
        return true;
    if (!value.is_string()) {
        malformed("pattern", QStringLiteral("a regular expression string"));
        return true;
    }
    const CompiledPattern compiled = compiledPattern(value.get_ref<const std::string&>());
    if (!compiled.error.isEmpty()) {
        notChecked(QStringLiteral("pattern"),
            QStringLiteral("The pattern \"%1\" is not a valid regular expression (%2); it was not checked.")
                .arg(qs(value.get_ref<const std::string&>()), compiled.error));
        return true;
    }
    if (searchMatches(compiled.regex, inst.get_ref<const std::string&>()))
        return true;
    if (report)
        addIssue(QStringLiteral("pattern"),
            QStringLiteral("The text %1 does not match the pattern %2.")
                .arg(describe(inst), qs(value.get_ref<const std::string&>())));
    return false;
}

bool Validator::checkFormat(const json& value, const json& inst, bool report)
{
    if (!m_assertFormats || !inst.is_string())
        return true;
    if (!value.is_string()) {
        malformed("format", QStringLiteral("a string"));
        return true;
    }
    const std::string& format = value.get_ref<const std::string&>();
    const FormatCheck check = formatCheckFor(format);
    if (!check) {
        notChecked(
            QStringLiteral("format"), QStringLiteral("The format \"%1\" is not checked by Lanyard.").arg(qs(format)));
        return true;
    }
    if (check(inst.get_ref<const std::string&>()))
        return true;
    if (report)
        addIssue(
            QStringLiteral("format"), QStringLiteral("The text %1 is not a valid %2.").arg(describe(inst), qs(format)));
    return false;
}

} // namespace

ValidationResult validate(const nlohmann::json& schema, const nlohmann::json& instance)
{
    return validate(schema, instance, ValidationOptions {});
}

ValidationResult validate(
    const nlohmann::json& schema, const nlohmann::json& instance, const ValidationOptions& options)
{
    ValidationResult result;
    try {
        Validator validator(schema, options, result);
        result.valid = validator.run(instance);
    } catch (const std::exception&) {
        result.unsupportedKeywords.append(QStringLiteral("schema"));
        result.notChecked.append({ QString(), QStringLiteral("schema"),
            QStringLiteral("Checking stopped because of an internal error; the value was not "
                           "fully checked.") });
    }
    result.fullyChecked = result.unsupportedKeywords.isEmpty();
    if (!result.issues.isEmpty())
        result.valid = false;
    return result;
}

QStringList supportedKeywords()
{
    QStringList out;
    for (const auto& k : kKeywords) {
        if (k.keyword != Keyword::Unsupported && k.keyword != Keyword::Annotation)
            out.append(qs(k.name));
    }
    out << QStringLiteral("$id") << QStringLiteral("$anchor") << QStringLiteral("$schema");
    return out;
}

QStringList assertedFormats()
{
    QStringList out;
    for (const auto& f : kFormats)
        out.append(qs(f.name));
    return out;
}

namespace detail {
std::size_t patternCompileCount()
{
    return compileCounter();
}
} // namespace detail

} // namespace lanyard::schema
