// SPDX-License-Identifier: MIT
#include "transport/MessageParser.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

namespace lanyard {

namespace {

// Builds the DOM like json::parse, but moves every string out of the lexer instead of copying
// it: a 100 MB text in a tool result then exists once in the DOM, not once more in the lexer.
class MovingDomBuilder
{
public:
    using string_t = json::string_t;

    bool null() { return add(json(nullptr)); }
    bool boolean(bool value) { return add(json(value)); }
    bool number_integer(json::number_integer_t value) { return add(json(value)); }
    bool number_unsigned(json::number_unsigned_t value) { return add(json(value)); }
    bool number_float(json::number_float_t value, const string_t& /*text*/) { return add(json(value)); }
    bool string(string_t& value) { return add(json(std::move(value))); }
    bool binary(json::binary_t& value) { return add(json(std::move(value))); }
    bool start_object(std::size_t /*size*/)
    {
        m_stack.push_back(place(json::object()));
        return true;
    }
    bool key(string_t& name)
    {
        m_key = &(*m_stack.back())[std::move(name)];
        return true;
    }
    bool end_object()
    {
        m_stack.pop_back();
        return true;
    }
    bool start_array(std::size_t /*size*/)
    {
        m_stack.push_back(place(json::array()));
        return true;
    }
    bool end_array()
    {
        m_stack.pop_back();
        return true;
    }
    template <class Exception>
    bool parse_error(std::size_t /*position*/, const std::string& /*token*/, const Exception& /*error*/)
    {
        return false;
    }

    json& root() { return m_root; }

private:
    bool add(json&& value)
    {
        place(std::move(value));
        return true;
    }
    // Puts a value where the grammar says it goes; the pointer stays valid while it is filled
    // (an array's vector only grows when a later sibling is added, after this value ended).
    json* place(json&& value)
    {
        if (m_stack.empty()) {
            m_root = std::move(value);
            return &m_root;
        }
        json* parent = m_stack.back();
        if (parent->is_array()) {
            parent->push_back(std::move(value));
            return &parent->back();
        }
        *m_key = std::move(value);
        return m_key;
    }

    json m_root;
    std::vector<json*> m_stack;
    json* m_key = nullptr;
};

// Builds the DOM of a large message straight from its bytes. nlohmann's lexer keeps two more
// copies of every string token while it reads it (the decoded token and the raw token text for
// error messages): for a 100 MB tool result that is 200 MB on top of the bytes and the DOM.
// Only a strict subset is handled here (objects, arrays, strings, integers, literals); anything
// else (a number with a fraction or exponent, a \u escape of a surrogate, a byte order mark,
// invalid UTF-8, bad syntax) gives up, and the caller parses with nlohmann, which then decides.
// So it never accepts what nlohmann refuses, and what it accepts becomes the same DOM.
class LargeMessageParser
{
public:
    LargeMessageParser(const char* begin, const char* end)
        : m_p(begin)
        , m_end(end)
    {
    }

    std::optional<json> parse()
    {
        json root;
        std::vector<json*> open; // containers being filled; a pointer stays valid while it is open
        json* slot = &root;
        for (;;) {
            // A value goes into *slot.
            skipWhitespace();
            if (m_p == m_end)
                return std::nullopt;
            bool complete = true;
            switch (*m_p) {
            case '{':
                ++m_p;
                *slot = json::object();
                skipWhitespace();
                if (m_p != m_end && *m_p == '}') {
                    ++m_p;
                } else {
                    open.push_back(slot);
                    if (!(slot = member(slot)))
                        return std::nullopt;
                    complete = false;
                }
                break;
            case '[':
                ++m_p;
                *slot = json::array();
                skipWhitespace();
                if (m_p != m_end && *m_p == ']') {
                    ++m_p;
                } else {
                    open.push_back(slot);
                    slot = &slot->emplace_back();
                    complete = false;
                }
                break;
            case '"': {
                std::string text;
                if (!string(&text))
                    return std::nullopt;
                *slot = json(std::move(text));
                break;
            }
            case 't':
                if (!literal("true"))
                    return std::nullopt;
                *slot = true;
                break;
            case 'f':
                if (!literal("false"))
                    return std::nullopt;
                *slot = false;
                break;
            case 'n':
                if (!literal("null"))
                    return std::nullopt;
                *slot = nullptr;
                break;
            default:
                if (!integer(slot))
                    return std::nullopt;
                break;
            }
            if (!complete)
                continue;
            // The value is complete: close containers or move to the next element.
            for (;;) {
                if (open.empty()) {
                    skipWhitespace();
                    if (m_p != m_end)
                        return std::nullopt;
                    return std::optional<json>(std::move(root));
                }
                skipWhitespace();
                if (m_p == m_end)
                    return std::nullopt;
                json* container = open.back();
                const char c = *m_p++;
                if (c == ',') {
                    if (container->is_object()) {
                        skipWhitespace();
                        if (!(slot = member(container)))
                            return std::nullopt;
                    } else {
                        slot = &container->emplace_back();
                    }
                    break;
                }
                if ((c == '}' && container->is_object()) || (c == ']' && container->is_array())) {
                    open.pop_back();
                    continue;
                }
                return std::nullopt;
            }
        }
    }

private:
    void skipWhitespace()
    {
        while (m_p != m_end && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t'))
            ++m_p;
    }

    // At a key of `object`: reads `"key" :` and returns where its value goes.
    json* member(json* object)
    {
        if (m_p == m_end || *m_p != '"')
            return nullptr;
        std::string key;
        if (!string(&key))
            return nullptr;
        skipWhitespace();
        if (m_p == m_end || *m_p != ':')
            return nullptr;
        ++m_p;
        return &(*object)[std::move(key)];
    }

    bool literal(const char* word)
    {
        const std::size_t size = std::strlen(word);
        if (static_cast<std::size_t>(m_end - m_p) < size || std::memcmp(m_p, word, size) != 0)
            return false;
        m_p += size;
        return true;
    }

    // -?(0|[1-9][0-9]*) that fits: non-negative ones become unsigned, negative ones signed, as
    // nlohmann makes them. Fractions, exponents and overflow give up.
    bool integer(json* slot)
    {
        const bool negative = *m_p == '-';
        if (negative)
            ++m_p;
        const char* digits = m_p;
        std::uint64_t value = 0;
        while (m_p != m_end && *m_p >= '0' && *m_p <= '9') {
            const auto digit = static_cast<std::uint64_t>(*m_p - '0');
            if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
                return false;
            value = value * 10 + digit;
            ++m_p;
        }
        const std::ptrdiff_t count = m_p - digits;
        if (count == 0 || (count > 1 && *digits == '0'))
            return false;
        if (m_p != m_end && (*m_p == '.' || *m_p == 'e' || *m_p == 'E'))
            return false;
        if (!negative) {
            *slot = json(static_cast<json::number_unsigned_t>(value));
            return true;
        }
        constexpr std::uint64_t limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1;
        if (value > limit)
            return false;
        *slot = value == limit ? json(std::numeric_limits<std::int64_t>::min())
                               : json(-static_cast<json::number_integer_t>(value));
        return true;
    }

    static int hexDigit(char c)
    {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    }

    static bool inRange(const char* p, unsigned char low, unsigned char high)
    {
        const auto c = static_cast<unsigned char>(*p);
        return c >= low && c <= high;
    }

    // At the opening quote. Checks UTF-8 as RFC 3629 defines it (as nlohmann does).
    bool string(std::string* out)
    {
        ++m_p;
        const char* close = m_p;
        while (close != m_end && *close != '"') {
            if (*close == '\\' && m_end - close < 2)
                return false;
            close += *close == '\\' ? 2 : 1;
        }
        if (close == m_end)
            return false;
        out->reserve(static_cast<std::size_t>(close - m_p));
        const char* run = m_p; // plain bytes not yet copied
        while (m_p != close) {
            const auto c = static_cast<unsigned char>(*m_p);
            if (c >= 0x20 && c < 0x80 && c != '\\') {
                ++m_p;
                continue;
            }
            if (c < 0x20)
                return false;
            if (c == '\\') {
                out->append(run, static_cast<std::size_t>(m_p - run));
                const char e = m_p[1];
                m_p += 2;
                switch (e) {
                case '"':
                    out->push_back('"');
                    break;
                case '\\':
                    out->push_back('\\');
                    break;
                case '/':
                    out->push_back('/');
                    break;
                case 'b':
                    out->push_back('\b');
                    break;
                case 'f':
                    out->push_back('\f');
                    break;
                case 'n':
                    out->push_back('\n');
                    break;
                case 'r':
                    out->push_back('\r');
                    break;
                case 't':
                    out->push_back('\t');
                    break;
                case 'u': {
                    if (close - m_p < 4)
                        return false;
                    unsigned int cp = 0;
                    for (int i = 0; i < 4; ++i) {
                        const int h = hexDigit(m_p[i]);
                        if (h < 0)
                            return false;
                        cp = cp * 16 + static_cast<unsigned int>(h);
                    }
                    m_p += 4;
                    if (cp >= 0xD800 && cp <= 0xDFFF)
                        return false; // surrogates: left to nlohmann
                    if (cp < 0x80) {
                        out->push_back(static_cast<char>(cp));
                    } else if (cp < 0x800) {
                        out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
                        out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
                    } else {
                        out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
                        out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
                        out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
                    }
                    break;
                }
                default:
                    return false;
                }
                run = m_p;
                continue;
            }
            // A UTF-8 sequence: lead byte, then the allowed range of the second byte and the count.
            unsigned char low = 0x80, high = 0xBF;
            int continuation = 0;
            if (c >= 0xC2 && c <= 0xDF) {
                continuation = 1;
            } else if (c == 0xE0) {
                continuation = 2, low = 0xA0;
            } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
                continuation = 2;
            } else if (c == 0xED) {
                continuation = 2, high = 0x9F;
            } else if (c == 0xF0) {
                continuation = 3, low = 0x90;
            } else if (c >= 0xF1 && c <= 0xF3) {
                continuation = 3;
            } else if (c == 0xF4) {
                continuation = 3, high = 0x8F;
            } else {
                return false;
            }
            if (close - m_p <= continuation || !inRange(m_p + 1, low, high))
                return false;
            for (int i = 2; i <= continuation; ++i) {
                if (!inRange(m_p + i, 0x80, 0xBF))
                    return false;
            }
            m_p += 1 + continuation; // copied with the run
        }
        out->append(run, static_cast<std::size_t>(m_p - run));
        ++m_p; // the closing quote
        return true;
    }

    const char* m_p;
    const char* m_end;
};

} // namespace

std::optional<json> parseLargeMessageStrict(const char* begin, const char* end)
{
    return LargeMessageParser(begin, end).parse();
}

std::optional<json> parseMessage(const QByteArray& bytes, QString* error)
{
    if (bytes.size() >= kLargeMessageBytes) {
        try {
            std::optional<json> message = LargeMessageParser(bytes.constBegin(), bytes.constEnd()).parse();
            if (message)
                return message;
        } catch (...) {
            // out of memory: let the general path try and report
        }
    }
    MovingDomBuilder builder;
    bool ok = false;
    try {
        ok = json::sax_parse(bytes.constBegin(), bytes.constEnd(), &builder);
    } catch (...) {
        ok = false;
    }
    if (ok)
        return std::optional<json>(std::move(builder.root()));
    return parseJson(bytes, error);
}


} // namespace lanyard
