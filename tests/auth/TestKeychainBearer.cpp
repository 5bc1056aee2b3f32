// SPDX-License-Identifier: MIT
// auth.type "bearer" with a "keychain" entry: the token is read from the keychain (a MemoryStore
// stands in through TokenStrategy::setKeychainFactory; the real Secret Service is tried too when
// the test runs in a D-Bus session with an unlocked keyring, as scripts/test.sh does), attached
// as a Bearer header, cached, never retried after a refusal, and missing entries are explained.
#include "auth/CredentialStore.h"
#include "auth/Identity.h"
#include "auth/Strategies.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace lanyard;
using namespace lanyard::auth;

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

class TestKeychainBearer : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();

    void headerFromEntry_data();
    void headerFromEntry();
    void missingEntryExplained();
    void refusedTokenNotRetried();
    void entryNameRequired();
    void realKeychain();

private:
    ServerConfig server(const QString& entry) const;
    std::pair<HeaderList, Error> headers(TokenProvider* provider);

    std::unique_ptr<IdentityManager> m_id;
    QMap<QString, QByteArray> m_entries;
    int m_opened = 0;
};

void TestKeychainBearer::init()
{
    m_id = std::make_unique<IdentityManager>();
    m_id->setStore(new MemoryStore());
    m_entries.clear();
    m_opened = 0;
    TokenStrategy::setKeychainFactory([this](QObject* parent) {
        ++m_opened;
        auto* store = new MemoryStore(parent);
        for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it)
            store->write(it.key(), it.value(), [](const Error&) {});
        return store;
    });
}

void TestKeychainBearer::cleanup()
{
    TokenStrategy::setKeychainFactory({});
    m_id.reset();
}

ServerConfig TestKeychainBearer::server(const QString& entry) const
{
    ServerConfig s;
    s.name = QStringLiteral("docs");
    s.url = QUrl(QStringLiteral("https://docs.example/mcp"));
    s.auth.type = QStringLiteral("bearer");
    s.auth.keychain = entry;
    s.auth.raw = json { { "type", "bearer" }, { "keychain", ss(entry) } };
    return s;
}

std::pair<HeaderList, Error> TestKeychainBearer::headers(TokenProvider* provider)
{
    HeaderList out;
    Error error(Error::Kind::Internal, QStringLiteral("test: no answer"));
    bool finished = false;
    provider->headersFor(QUrl(QStringLiteral("https://docs.example/mcp")), [&](const HeaderList& h, const Error& e) {
        out = h;
        error = e;
        finished = true;
    });
    for (int i = 0; i < 400 && !finished; ++i)
        QTest::qWait(25);
    return { out, error };
}

void TestKeychainBearer::headerFromEntry_data()
{
    QTest::addColumn<QByteArray>("stored");
    QTest::addColumn<QByteArray>("expected");
    QTest::newRow("opaque") << QByteArray("opaque-token-123") << QByteArray("Bearer opaque-token-123");
    QTest::newRow("trailing newline from a paste")
        << QByteArray("  opaque-token-123\n") << QByteArray("Bearer opaque-token-123");
}

void TestKeychainBearer::headerFromEntry()
{
    QFETCH(QByteArray, stored);
    QFETCH(QByteArray, expected);
    m_entries.insert(QStringLiteral("docs-token"), stored);
    Error error;
    std::unique_ptr<TokenProvider> provider(
        createTokenProvider(server(QStringLiteral("docs-token")), m_id.get(), nullptr, &error));
    QVERIFY2(provider, qPrintable(error.message));
    QCOMPARE(provider->strategyName(), QStringLiteral("bearer"));
    auto [h, e] = headers(provider.get());
    QVERIFY2(!e.isError(), qPrintable(e.message));
    QCOMPARE(h.size(), 1);
    QCOMPARE(h.at(0).first, QByteArray("Authorization"));
    QCOMPARE(h.at(0).second, expected);
    // The second request uses the cached token: the keychain is not asked again.
    auto [h2, e2] = headers(provider.get());
    QVERIFY(!e2.isError());
    QCOMPARE(h2, h);
    QCOMPARE(m_opened, 1);
}

void TestKeychainBearer::missingEntryExplained()
{
    m_entries.insert(QStringLiteral("other-entry"), QByteArrayLiteral("x"));
    Error error;
    std::unique_ptr<TokenProvider> provider(
        createTokenProvider(server(QStringLiteral("docs-token")), m_id.get(), nullptr, &error));
    QVERIFY(provider);
    auto [h, e] = headers(provider.get());
    QVERIFY(e.isError());
    QVERIFY(h.isEmpty());
    QVERIFY2(e.message.contains(QLatin1String("no entry \"docs-token\"")), qPrintable(e.message));
    QVERIFY2(e.message.contains(QLatin1String("\"docs\"")), qPrintable(e.message));
}

void TestKeychainBearer::refusedTokenNotRetried()
{
    m_entries.insert(QStringLiteral("docs-token"), QByteArrayLiteral("stale-token"));
    Error error;
    std::unique_ptr<TokenProvider> provider(
        createTokenProvider(server(QStringLiteral("docs-token")), m_id.get(), nullptr, &error));
    QVERIFY(provider);
    QVERIFY(!headers(provider.get()).second.isError());
    AuthChallenge challenge;
    challenge.httpStatus = 401;
    challenge.error = QStringLiteral("invalid_token");
    bool finished = false;
    bool retry = true;
    Error e;
    provider->handleChallenge(challenge, [&](bool r, const Error& err) {
        retry = r;
        e = err;
        finished = true;
    });
    QTRY_VERIFY(finished);
    QVERIFY(!retry);
    QVERIFY2(e.message.contains(QLatin1String("Replace the token")), qPrintable(e.message));
}

void TestKeychainBearer::entryNameRequired()
{
    Error error;
    std::unique_ptr<TokenProvider> provider(createTokenProvider(server(QString()), m_id.get(), nullptr, &error));
    QVERIFY(!provider);
    QCOMPARE(error.kind, Error::Kind::Config);
    QVERIFY2(error.message.contains(QLatin1String("keychain")), qPrintable(error.message));
}

void TestKeychainBearer::realKeychain()
{
    // The real OS keychain (Secret Service). Without one (no D-Bus session) there is nothing to test.
    TokenStrategy::setKeychainFactory({});
    KeychainStore keychain(QStringLiteral("lanyard"));
    const QString entry = QStringLiteral("lanyard-test-bearer-%1").arg(QCoreApplication::applicationPid());
    bool written = false;
    Error writeError;
    keychain.write(entry, QByteArrayLiteral("keychain-token-456"), [&](const Error& e) {
        writeError = e;
        written = true;
    });
    QTRY_VERIFY_WITH_TIMEOUT(written, 10000);
    if (keychain.fellBack() || writeError.isError())
        QSKIP("no Secret Service in this session (scripts/test.sh runs one)");
    Error error;
    std::unique_ptr<TokenProvider> provider(createTokenProvider(server(entry), m_id.get(), nullptr, &error));
    QVERIFY(provider);
    auto [h, e] = headers(provider.get());
    bool removed = false;
    keychain.remove(entry, [&](const Error&) { removed = true; });
    QTRY_VERIFY_WITH_TIMEOUT(removed, 10000);
    QVERIFY2(!e.isError(), qPrintable(e.message));
    QCOMPARE(h.value(0).second, QByteArray("Bearer keychain-token-456"));
}

QTEST_GUILESS_MAIN(TestKeychainBearer)
#include "TestKeychainBearer.moc"
