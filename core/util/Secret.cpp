// SPDX-License-Identifier: MIT
#include "util/Secret.h"

#include <QCryptographicHash>

namespace lanyard {

Secret& Secret::operator=(const Secret& other)
{
    if (this != &other) {
        wipe();
        m_value = other.m_value;
        m_value.detach();
    }
    return *this;
}

Secret& Secret::operator=(Secret&& other) noexcept
{
    if (this != &other) {
        wipe();
        m_value = std::move(other.m_value);
    }
    return *this;
}

void Secret::wipe()
{
    if (!m_value.isEmpty() && !m_value.isDetached()) {
        // Shared buffer (implicit sharing): drop our reference, the owner wipes its copy.
        m_value = QByteArray();
        return;
    }
    volatile char* p = m_value.data();
    for (qsizetype i = 0; i < m_value.size(); ++i)
        p[i] = 0;
    m_value.clear();
}

QString Secret::fingerprint() const
{
    if (m_value.isEmpty())
        return QString();
    return QString::fromLatin1(QCryptographicHash::hash(m_value, QCryptographicHash::Sha256).toHex().left(12));
}

QString Secret::redacted() const
{
    if (m_value.isEmpty())
        return QStringLiteral("token<empty>");
    return QStringLiteral("token<redacted sha256:%1>").arg(fingerprint());
}

bool Secret::operator==(const Secret& o) const
{
    return constantTimeEquals(m_value, o.m_value);
}

bool constantTimeEquals(const QByteArray& a, const QByteArray& b)
{
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    const qsizetype n = qMin(a.size(), b.size());
    for (qsizetype i = 0; i < n; ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

QDebug operator<<(QDebug dbg, const Secret& secret)
{
    QDebugStateSaver saver(dbg);
    dbg.noquote() << secret.redacted();
    return dbg;
}

} // namespace lanyard
