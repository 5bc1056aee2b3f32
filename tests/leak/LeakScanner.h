// SPDX-License-Identifier: MIT
#pragma once

// The leak test's scanner: it knows every secret the identity lab issued or received (the lab's
// secret observer feeds it) and searches bytes for each of them in every form a program might
// write one in: raw, base64 and base64url (at any byte alignment), percent-encoded, hex, and a
// JWT's signature alone. A hit names where it is (source, kind, form, offset), never the secret.

#include <QByteArray>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace leaktest {

struct Hit
{
    QString source; // file path or stream name
    QString kind; // what the lab said the secret was
    QString form; // raw, base64, base64url, percent-encoded, hex, JWT signature
    qsizetype offset = 0;

    QString describe() const
    {
        return QStringLiteral("%1 at offset %2: %3 (%4)").arg(source).arg(offset).arg(kind, form);
    }
};

class LeakScanner
{
public:
    // Shorter needles could match by chance; every secret the lab issues is far longer.
    static constexpr qsizetype kMinNeedle = 16;

    void addSecret(const QByteArray& secret, const QString& kind)
    {
        if (secret.size() < kMinNeedle || m_seen.contains(secret))
            return;
        m_seen.insert(secret);
        m_kinds[kind] += 1;
        addNeedle(secret, kind, QStringLiteral("raw"));
        const QByteArray percent = QUrl::toPercentEncoding(QString::fromUtf8(secret));
        if (percent != secret)
            addNeedle(percent, kind, QStringLiteral("percent-encoded"));
        addNeedle(secret.toHex(), kind, QStringLiteral("hex"));
        // base64 of the secret inside longer data depends on where it starts (offset mod 3): take
        // the part of the encoding that the neighbouring bytes cannot change, for each alignment.
        for (int shift = 0; shift < 3; ++shift) {
            const QByteArray padded = QByteArray(shift, '\0') + secret;
            const QByteArray b64 = padded.toBase64(QByteArray::OmitTrailingEquals);
            const QByteArray b64url = padded.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
            addNeedle(b64.mid(4, b64.size() - 8), kind, QStringLiteral("base64"));
            addNeedle(b64url.mid(4, b64url.size() - 8), kind, QStringLiteral("base64url"));
        }
        const QList<QByteArray> parts = secret.split('.');
        if (parts.size() == 3 && parts[0].startsWith("eyJ"))
            addNeedle(parts[2], kind, QStringLiteral("JWT signature"));
    }

    int secretCount() const { return int(m_seen.size()); }
    // "kind: count" per kind, sorted, for the report.
    QStringList kindCounts() const
    {
        QStringList out;
        for (auto it = m_kinds.cbegin(); it != m_kinds.cend(); ++it)
            out << QStringLiteral("%1: %2").arg(it.key()).arg(it.value());
        out.sort();
        return out;
    }

    QList<Hit> scan(const QString& source, const QByteArray& bytes) const
    {
        QList<Hit> hits;
        for (const Needle& n : m_needles) {
            for (qsizetype at = bytes.indexOf(n.bytes); at >= 0; at = bytes.indexOf(n.bytes, at + 1))
                hits.append({ source, n.kind, n.form, at });
        }
        return hits;
    }

    // Every regular file under `root` (hidden ones too, symlinks not followed), binary-safe,
    // except `excluded` (absolute paths). `scanned` receives the files read.
    QList<Hit> scanTree(const QString& root, const QStringList& excluded = {}, QStringList* scanned = nullptr) const
    {
        QList<Hit> hits;
        QDirIterator it(
            root, QDir::Files | QDir::Hidden | QDir::System | QDir::NoSymLinks, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString path = it.next();
            if (excluded.contains(QFileInfo(path).absoluteFilePath()))
                continue;
            QFile f(path);
            if (!f.open(QIODevice::ReadOnly)) {
                hits.append({ path, QStringLiteral("(unreadable file)"), QStringLiteral("-"), 0 });
                continue;
            }
            if (scanned)
                scanned->append(path);
            hits += scan(path, f.readAll());
        }
        return hits;
    }

    static QString describe(const QList<Hit>& hits)
    {
        QStringList lines;
        for (const Hit& h : hits)
            lines << h.describe();
        return lines.join(QLatin1Char('\n'));
    }

private:
    struct Needle
    {
        QByteArray bytes;
        QString kind;
        QString form;
    };

    void addNeedle(const QByteArray& bytes, const QString& kind, const QString& form)
    {
        if (bytes.size() >= kMinNeedle)
            m_needles.append({ bytes, kind, form });
    }

    QSet<QByteArray> m_seen;
    QHash<QString, int> m_kinds;
    QList<Needle> m_needles;
};

} // namespace leaktest
