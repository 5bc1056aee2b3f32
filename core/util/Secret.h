// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QDebug>
#include <QString>

namespace lanyard {

// A token, code, verifier or client secret. No implicit conversion to text; printing it yields
// "token<redacted sha256:3f9a1c…>"; the buffer is wiped when the object dies or is reassigned.
class Secret
{
public:
    Secret() = default;
    explicit Secret(QByteArray value) : m_value(std::move(value)) {}
    explicit Secret(const QString& value) : m_value(value.toUtf8()) {}
    Secret(const Secret& other) : m_value(other.m_value) { m_value.detach(); }
    Secret(Secret&& other) noexcept : m_value(std::move(other.m_value)) {}
    Secret& operator=(const Secret& other);
    Secret& operator=(Secret&& other) noexcept;
    ~Secret() { wipe(); }

    bool isEmpty() const { return m_value.isEmpty(); }
    // Deliberately named: every call site that needs the raw bytes says so.
    const QByteArray& reveal() const { return m_value; }
    QString revealString() const { return QString::fromUtf8(m_value); }
    // First 12 hex digits of SHA-256: enough to tell tokens apart, useless to an attacker.
    QString fingerprint() const;
    QString redacted() const;
    void wipe();

    bool operator==(const Secret& o) const;
    bool operator!=(const Secret& o) const { return !(*this == o); }

private:
    QByteArray m_value;
};

// Constant-time comparison for state values, verifiers and the like.
bool constantTimeEquals(const QByteArray& a, const QByteArray& b);

QDebug operator<<(QDebug dbg, const Secret& secret);

} // namespace lanyard
