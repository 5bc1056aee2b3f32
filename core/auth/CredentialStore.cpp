// SPDX-License-Identifier: MIT
#include "auth/CredentialStore.h"

#include "util/Json.h"
#include "util/Logging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QPointer>
#include <QSaveFile>
#include <QTimer>

#ifdef LANYARD_AUTH_HAVE_KEYCHAIN
#include <qt6keychain/keychain.h>
#endif

namespace lanyard::auth {

QString CredentialStore::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Keychain: return QStringLiteral("keychain");
    case Kind::Memory: return QStringLiteral("memory");
    case Kind::File: return QStringLiteral("file");
    }
    return QString();
}

// ---- Memory --------------------------------------------------------------------------------------

MemoryStore::~MemoryStore()
{
    for (auto it = m_values.begin(); it != m_values.end(); ++it)
        it->fill('\0');
}

QString MemoryStore::describe() const
{
    return tr("memory only (nothing is kept after Lanyard exits)");
}

void MemoryStore::read(const QString& key, ReadCallback done)
{
    const auto it = m_values.constFind(key);
    done(it == m_values.constEnd() ? std::nullopt : std::optional<QByteArray>(*it), Error());
}

void MemoryStore::write(const QString& key, const QByteArray& value, WriteCallback done)
{
    m_values.insert(key, value);
    done(Error());
}

void MemoryStore::remove(const QString& key, WriteCallback done)
{
    auto it = m_values.find(key);
    if (it != m_values.end()) {
        it->fill('\0');
        m_values.erase(it);
    }
    done(Error());
}

// ---- File ----------------------------------------------------------------------------------------

FileStore::FileStore(QString path, QObject* parent) : CredentialStore(parent), m_path(std::move(path)) {}

QString FileStore::describe() const
{
    return tr("the file %1 (readable only by you, but not encrypted)").arg(QDir::toNativeSeparators(m_path));
}

bool FileStore::load(QHash<QString, QByteArray>* values, Error* error) const
{
    QFile f(m_path);
    if (!f.exists())
        return true;
    if (!f.open(QIODevice::ReadOnly)) {
        *error = Error(Error::Kind::Config, tr("Cannot read the credential file %1: %2").arg(m_path, f.errorString()));
        return false;
    }
    const auto j = parseJson(f.readAll());
    if (!j || !j->is_object()) {
        *error = Error(Error::Kind::Config, tr("The credential file %1 is damaged; delete it and sign in again.").arg(m_path));
        return false;
    }
    for (auto it = j->begin(); it != j->end(); ++it) {
        if (it->is_string())
            values->insert(QString::fromStdString(it.key()),
                           QByteArray::fromBase64(QByteArray::fromStdString(it->get<std::string>())));
    }
    return true;
}

bool FileStore::save(const QHash<QString, QByteArray>& values, Error* error) const
{
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    json j = json::object();
    for (auto it = values.begin(); it != values.end(); ++it)
        j[it.key().toStdString()] = it->toBase64().toStdString();
    QSaveFile f(m_path);
    if (!f.open(QIODevice::WriteOnly)) {
        *error = Error(Error::Kind::Config, tr("Cannot write the credential file %1: %2").arg(m_path, f.errorString()));
        return false;
    }
    f.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    f.write(dumpJson(j, 2));
    if (!f.commit()) {
        *error = Error(Error::Kind::Config, tr("Cannot write the credential file %1: %2").arg(m_path, f.errorString()));
        return false;
    }
    QFile::setPermissions(m_path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    return true;
}

void FileStore::read(const QString& key, ReadCallback done)
{
    QHash<QString, QByteArray> values;
    Error error;
    if (!load(&values, &error)) {
        done(std::nullopt, error);
        return;
    }
    const auto it = values.constFind(key);
    done(it == values.constEnd() ? std::nullopt : std::optional<QByteArray>(*it), Error());
}

void FileStore::write(const QString& key, const QByteArray& value, WriteCallback done)
{
    QHash<QString, QByteArray> values;
    Error error;
    if (load(&values, &error)) {
        values.insert(key, value);
        save(values, &error);
    }
    done(error);
}

void FileStore::remove(const QString& key, WriteCallback done)
{
    QHash<QString, QByteArray> values;
    Error error;
    if (load(&values, &error) && values.remove(key) > 0)
        save(values, &error);
    done(error);
}

// ---- Keychain ------------------------------------------------------------------------------------

KeychainStore::KeychainStore(QString service, QObject* parent) : CredentialStore(parent), m_service(std::move(service))
{
#ifndef LANYARD_AUTH_HAVE_KEYCHAIN
    fallBack(tr("this build of Lanyard has no keychain support"));
#endif
}

KeychainStore::~KeychainStore() = default;

bool KeychainStore::isCompiledIn()
{
#ifdef LANYARD_AUTH_HAVE_KEYCHAIN
    return true;
#else
    return false;
#endif
}

QString KeychainStore::describe() const
{
    return m_fallback ? m_fallback->describe() : tr("the system keychain");
}

void KeychainStore::fallBack(const QString& why)
{
    if (m_fallback)
        return;
    m_fallback = new MemoryStore(this);
    const QString message = tr("No usable keychain (%1): your sign-in is kept in memory only and you will have to sign "
                               "in again next time. For automation, opt in to a credential file (identity \"store\": "
                               "\"file\").")
                                .arg(why);
    qCWarning(lcAuth).noquote() << message;
    // Deliver after the current call so that callers can connect first.
    QTimer::singleShot(0, this, [this, message] { emit noticed(message); });
}

#ifdef LANYARD_AUTH_HAVE_KEYCHAIN
namespace {
bool isBackendFailure(QKeychain::Error e)
{
    return e == QKeychain::NoBackendAvailable || e == QKeychain::NotImplemented || e == QKeychain::OtherError
        || e == QKeychain::AccessDenied;
}
} // namespace
#endif

void KeychainStore::read(const QString& key, ReadCallback done)
{
    if (m_fallback) {
        m_fallback->read(key, std::move(done));
        return;
    }
#ifdef LANYARD_AUTH_HAVE_KEYCHAIN
    auto* job = new QKeychain::ReadPasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setKey(key);
    QPointer<KeychainStore> self(this);
    connect(job, &QKeychain::Job::finished, this, [self, job, key, done](QKeychain::Job*) {
        if (!self)
            return;
        if (job->error() == QKeychain::NoError) {
            done(job->binaryData(), Error());
        } else if (job->error() == QKeychain::EntryNotFound) {
            done(std::nullopt, Error());
        } else if (isBackendFailure(job->error())) {
            self->fallBack(job->errorString());
            self->m_fallback->read(key, done);
        } else {
            done(std::nullopt, Error(Error::Kind::Auth, tr("The keychain refused access: %1").arg(job->errorString())));
        }
    });
    job->start();
#else
    Q_UNUSED(key);
    Q_UNUSED(done);
#endif
}

void KeychainStore::write(const QString& key, const QByteArray& value, WriteCallback done)
{
    if (m_fallback) {
        m_fallback->write(key, value, std::move(done));
        return;
    }
#ifdef LANYARD_AUTH_HAVE_KEYCHAIN
    auto* job = new QKeychain::WritePasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setKey(key);
    job->setBinaryData(value);
    QPointer<KeychainStore> self(this);
    connect(job, &QKeychain::Job::finished, this, [self, job, key, value, done](QKeychain::Job*) {
        if (!self)
            return;
        if (job->error() == QKeychain::NoError) {
            done(Error());
        } else if (isBackendFailure(job->error())) {
            self->fallBack(job->errorString());
            self->m_fallback->write(key, value, done);
        } else {
            done(Error(Error::Kind::Auth, tr("The keychain refused to store the sign-in: %1").arg(job->errorString())));
        }
    });
    job->start();
#else
    Q_UNUSED(key);
    Q_UNUSED(value);
    Q_UNUSED(done);
#endif
}

void KeychainStore::remove(const QString& key, WriteCallback done)
{
    if (m_fallback) {
        m_fallback->remove(key, std::move(done));
        return;
    }
#ifdef LANYARD_AUTH_HAVE_KEYCHAIN
    auto* job = new QKeychain::DeletePasswordJob(m_service, this);
    job->setAutoDelete(true);
    job->setKey(key);
    QPointer<KeychainStore> self(this);
    connect(job, &QKeychain::Job::finished, this, [self, job, done](QKeychain::Job*) {
        if (!self)
            return;
        if (job->error() == QKeychain::NoError || job->error() == QKeychain::EntryNotFound)
            done(Error());
        else
            done(Error(Error::Kind::Auth, tr("The keychain could not delete the sign-in: %1").arg(job->errorString())));
    });
    job->start();
#else
    Q_UNUSED(key);
    Q_UNUSED(done);
#endif
}

} // namespace lanyard::auth
