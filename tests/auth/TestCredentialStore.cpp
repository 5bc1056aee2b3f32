// SPDX-License-Identifier: MIT
// Where sign-ins are kept: memory, the opt-in 0600 file, and the OS keychain (Secret Service in a
// private D-Bus session under scripts/test.sh; without one, memory with a notice).
#include "auth/CredentialStore.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace lanyard;
using namespace lanyard::auth;

class TestCredentialStore : public QObject
{
    Q_OBJECT
private slots:
    void memoryRoundTrip();
    void fileRoundTripAndPermissions();
    void damagedFile();
    void keychainOrFallback();

private:
    static void roundTrip(CredentialStore& store, const QString& key);
};

void TestCredentialStore::roundTrip(CredentialStore& store, const QString& key)
{
    const QByteArray value = QByteArrayLiteral("{\"refresh_token\":\"rt-\xc3\xa9-1\"}");
    bool done = false;
    Error error;
    store.write(key, value, [&](const Error& e) {
        error = e;
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
    QVERIFY2(!error.isError(), qPrintable(error.message));
    std::optional<QByteArray> read;
    done = false;
    store.read(key, [&](const std::optional<QByteArray>& v, const Error& e) {
        read = v;
        error = e;
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
    QVERIFY(read);
    QCOMPARE(*read, value);
    done = false;
    store.remove(key, [&](const Error& e) {
        error = e;
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
    QVERIFY(!error.isError());
    done = false;
    store.read(key, [&](const std::optional<QByteArray>& v, const Error&) {
        read = v;
        done = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
    QVERIFY(!read);
}

void TestCredentialStore::memoryRoundTrip()
{
    MemoryStore store;
    QVERIFY(!store.isPersistent());
    QVERIFY(store.describe().contains(QLatin1String("memory")));
    roundTrip(store, QStringLiteral("default/account"));
}

void TestCredentialStore::fileRoundTripAndPermissions()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("sub/credentials.json"));
    {
        FileStore store(path);
        QVERIFY(store.isPersistent());
        bool done = false;
        store.write(QStringLiteral("a"), QByteArray("secret-a"), [&](const Error&) { done = true; });
        QVERIFY(done);
        QCOMPARE(QFile::permissions(path) & ~(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ReadUser | QFileDevice::WriteUser),
                 QFileDevice::Permissions());
        // The value is not in the file as plain text (base64), and a second store sees it.
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(!f.readAll().contains("secret-a"));
    }
    FileStore again(path);
    std::optional<QByteArray> v;
    again.read(QStringLiteral("a"), [&](const std::optional<QByteArray>& value, const Error&) { v = value; });
    QVERIFY(v);
    QCOMPARE(*v, QByteArray("secret-a"));
    roundTrip(again, QStringLiteral("b"));
}

void TestCredentialStore::damagedFile()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("credentials.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("not json");
    f.close();
    FileStore store(path);
    Error error;
    store.read(QStringLiteral("a"), [&](const std::optional<QByteArray>&, const Error& e) { error = e; });
    QVERIFY(error.isError());
    QVERIFY(error.message.contains(QLatin1String("damaged")));
}

void TestCredentialStore::keychainOrFallback()
{
    KeychainStore store(QStringLiteral("lanyard-test"));
    QSignalSpy notices(&store, &CredentialStore::noticed);
    const bool haveSession = !qEnvironmentVariableIsEmpty("DBUS_SESSION_BUS_ADDRESS") && KeychainStore::isCompiledIn();
    roundTrip(store, QStringLiteral("test/%1").arg(QCoreApplication::applicationPid()));
    if (haveSession && !store.fellBack()) {
        // The real Secret Service stored and returned the value.
        QCOMPARE(store.kind(), CredentialStore::Kind::Keychain);
        QVERIFY(store.isPersistent());
        QCOMPARE(notices.count(), 0);
    } else {
        // No keychain: memory for this run, and the person is told.
        QCOMPARE(store.kind(), CredentialStore::Kind::Memory);
        QVERIFY(!store.isPersistent());
        QTRY_COMPARE(notices.count(), 1);
        QVERIFY(notices.at(0).at(0).toString().contains(QLatin1String("memory only")));
    }
}

QTEST_GUILESS_MAIN(TestCredentialStore)
#include "TestCredentialStore.moc"
