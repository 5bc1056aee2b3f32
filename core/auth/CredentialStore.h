// SPDX-License-Identifier: MIT
#pragma once

#include "util/Error.h"

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace lanyard::auth {

// Where refresh tokens (and the account they belong to) live between runs. Asynchronous, as the
// OS keychain is. Values are opaque bytes; keys are "<profile>/<what>".
class CredentialStore : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~CredentialStore() override = default;

    enum class Kind { Keychain, Memory, File };
    virtual Kind kind() const = 0;
    virtual bool isPersistent() const = 0;
    // Plain words for the user: "the system keychain", "memory only (nothing is kept after
    // Lanyard exits)", "the file ~/.local/share/lanyard/… (not encrypted)".
    virtual QString describe() const = 0;

    using ReadCallback = std::function<void(const std::optional<QByteArray>& value, const Error& error)>;
    using WriteCallback = std::function<void(const Error& error)>;
    // nullopt and no error: nothing stored under the key.
    virtual void read(const QString& key, ReadCallback done) = 0;
    virtual void write(const QString& key, const QByteArray& value, WriteCallback done) = 0;
    virtual void remove(const QString& key, WriteCallback done) = 0;

    static QString kindName(Kind kind);

signals:
    // Something the user should know about the store (e.g. "no keychain: memory only").
    void noticed(const QString& message);
};

class MemoryStore : public CredentialStore
{
    Q_OBJECT
public:
    using CredentialStore::CredentialStore;
    ~MemoryStore() override;
    Kind kind() const override { return Kind::Memory; }
    bool isPersistent() const override { return false; }
    QString describe() const override;
    void read(const QString& key, ReadCallback done) override;
    void write(const QString& key, const QByteArray& value, WriteCallback done) override;
    void remove(const QString& key, WriteCallback done) override;

private:
    QHash<QString, QByteArray> m_values;
};

// Explicit opt-in for automation: one JSON file, mode 0600, not encrypted. Say so to the user.
class FileStore : public CredentialStore
{
    Q_OBJECT
public:
    explicit FileStore(QString path, QObject* parent = nullptr);
    Kind kind() const override { return Kind::File; }
    bool isPersistent() const override { return true; }
    QString describe() const override;
    QString path() const { return m_path; }
    void read(const QString& key, ReadCallback done) override;
    void write(const QString& key, const QByteArray& value, WriteCallback done) override;
    void remove(const QString& key, WriteCallback done) override;

private:
    bool load(QHash<QString, QByteArray>* values, Error* error) const;
    bool save(const QHash<QString, QByteArray>& values, Error* error) const;
    QString m_path;
};

// The OS keychain (QtKeychain: Secret Service on Linux, Keychain on macOS, Credential Manager on
// Windows). When the keychain is unavailable (no D-Bus session, no backend) it falls back to
// memory for the rest of the run and emits noticed() once.
class KeychainStore : public CredentialStore
{
    Q_OBJECT
public:
    explicit KeychainStore(QString service = QStringLiteral("lanyard"), QObject* parent = nullptr);
    ~KeychainStore() override;
    Kind kind() const override { return m_fallback ? Kind::Memory : Kind::Keychain; }
    bool isPersistent() const override { return !m_fallback; }
    QString describe() const override;
    bool fellBack() const { return m_fallback != nullptr; }
    static bool isCompiledIn();

    void read(const QString& key, ReadCallback done) override;
    void write(const QString& key, const QByteArray& value, WriteCallback done) override;
    void remove(const QString& key, WriteCallback done) override;

private:
    void fallBack(const QString& why);
    QString m_service;
    MemoryStore* m_fallback = nullptr;
};

} // namespace lanyard::auth
