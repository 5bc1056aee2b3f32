// SPDX-License-Identifier: MIT
#include "config/Config.h"

#include <QFile>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

using namespace lanyard;

class TestConfig : public QObject
{
    Q_OBJECT
private slots:
    void parsesAGoodFile()
    {
        const QByteArray doc = R"({
          "servers": [
            {"name": "hr", "url": "http:\/\/127.0.0.1:8000/mcp", "headers": {"X-Team": "blue"}, "timeoutSeconds": 5,
             "auth": {"type": "bearer", "env": "HR_TOKEN"}},
            {"name": "local", "command": "node", "args": ["server.js", "stdio"], "env": {"A": "1"},
             "roots": [{"uri": "file:\/\/\/tmp", "name": "tmp"}]}
          ],
          "identity": {"authority": "https:\/\/login.microsoftonline.com/organizations"},
          "futureKey": {"kept": true}
        })";
        Error e;
        auto c = ConfigStore::parse(doc, QStringLiteral("x.json"), &e);
        QVERIFY2(c, qPrintable(e.message));
        QCOMPARE(c->servers.size(), 2);
        const ServerConfig* hr = c->server(QStringLiteral("hr"));
        QVERIFY(hr);
        QCOMPARE(hr->url.port(), 8000);
        QCOMPARE(hr->timeoutSeconds, 5.0);
        QCOMPARE(hr->auth.type, QStringLiteral("bearer"));
        QCOMPARE(hr->auth.env, QStringLiteral("HR_TOKEN"));
        QCOMPARE(hr->headers.size(), 1);
        const ServerConfig* local = c->server(QStringLiteral("local"));
        QVERIFY(local->isStdio());
        QCOMPARE(local->args, QStringList({QStringLiteral("server.js"), QStringLiteral("stdio")}));
        QCOMPARE(local->env.value(QStringLiteral("A")), QStringLiteral("1"));
        QCOMPARE(c->identity["authority"], "https://login.microsoftonline.com/organizations");
    }

    void badFiles_data()
    {
        QTest::addColumn<QByteArray>("doc");
        QTest::addColumn<QString>("expected"); // a fragment the message must contain
        QTest::newRow("syntax") << QByteArray("{\n  \"servers\": [\n    {\"name\": \"a\" \"url\": \"x\"}\n  ]\n}")
                                << QStringLiteral("line 3");
        QTest::newRow("top not object") << QByteArray("[1,2]") << QStringLiteral("top level");
        QTest::newRow("servers not list") << QByteArray(R"({"servers": {}})") << QStringLiteral("servers: must be a list");
        QTest::newRow("no name") << QByteArray(R"({"servers": [{"url": "http:\/\/a/mcp"}]})") << QStringLiteral("servers[0]: \"name\" is required");
        QTest::newRow("bad name") << QByteArray(R"({"servers": [{"name": "a b", "url": "http:\/\/a/mcp"}]})") << QStringLiteral("not a usable name");
        QTest::newRow("both url and command") << QByteArray(R"({"servers": [{"name": "a", "url": "http:\/\/a/mcp", "command": "x"}]})")
                                              << QStringLiteral("not both");
        QTest::newRow("neither") << QByteArray(R"({"servers": [{"name": "a"}]})") << QStringLiteral("not neither");
        QTest::newRow("ftp url") << QByteArray(R"({"servers": [{"name": "a", "url": "ftp:\/\/a/mcp"}]})") << QStringLiteral(".url");
        QTest::newRow("userinfo url") << QByteArray(R"({"servers": [{"name": "a", "url": "http:\/\/u:p@a/mcp"}]})") << QStringLiteral("password");
        QTest::newRow("duplicate") << QByteArray(R"({"servers": [{"name": "a", "url": "http:\/\/a/mcp"}, {"name": "a", "url": "http:\/\/b/mcp"}]})")
                                   << QStringLiteral("servers[1].name");
        QTest::newRow("timeout type") << QByteArray(R"({"servers": [{"name": "a", "url": "http:\/\/a/mcp", "timeoutSeconds": "5"}]})")
                                      << QStringLiteral("timeoutSeconds");
        // Found by fuzz_config (tests/fuzz/regressions/config/server-max-message-mb-out-of-range): numbers
        // whose derived int milliseconds / qint64 bytes would overflow are refused, naming the range.
        QTest::newRow("timeout too large") << QByteArray(R"({"servers": [{"name": "a", "url": "http:\/\/a/mcp", "timeoutSeconds": 1e300}]})")
                                           << QStringLiteral(".timeoutSeconds: must be a number from 0.1 to 1000000");
        QTest::newRow("total too large") << QByteArray(R"({"servers": [{"name": "a", "url": "http:\/\/a/mcp", "maxTotalSeconds": 2147484}]})")
                                         << QStringLiteral("maxTotalSeconds");
        QTest::newRow("message too large") << QByteArray(R"({"servers": [{"name": "a", "url": "http:\/\/a/mcp", "maxMessageMB": 1.4e102}]})")
                                           << QStringLiteral(".maxMessageMB: must be a number from 0.001 to 1048576");
        QTest::newRow("args type") << QByteArray(R"({"servers": [{"name": "a", "command": "x", "args": "y"}]})") << QStringLiteral(".args");
        QTest::newRow("unknown auth") << QByteArray(R"({"servers": [{"name": "a", "url": "http:\/\/a/mcp", "auth": {"type": "magic"}}]})")
                                      << QStringLiteral("auth.type");
        QTest::newRow("secret in config") << QByteArray(R"({"servers": [{"name": "a", "url": "http:\/\/a/mcp", "auth": {"type": "bearer", "token": "abc"}}]})")
                                          << QStringLiteral("secrets do not belong");
        QTest::newRow("authorization header") << QByteArray(R"({"servers": [{"name": "a", "url": "http:\/\/a/mcp", "headers": {"authorization": "Bearer x"}}]})")
                                              << QStringLiteral("secrets do not belong");
        QTest::newRow("bearer without source") << QByteArray(R"({"servers": [{"name": "a", "url": "http:\/\/a/mcp", "auth": {"type": "bearer"}}]})")
                                               << QStringLiteral("needs \"env\"");
        QTest::newRow("root not file") << QByteArray(R"({"servers": [{"name": "a", "command": "x", "roots": [{"uri": "http:\/\/x"}]}]})")
                                       << QStringLiteral("file://");
    }
    void badFiles()
    {
        QFETCH(QByteArray, doc);
        QFETCH(QString, expected);
        Error e;
        auto c = ConfigStore::parse(doc, QStringLiteral("/home/u/.config/lanyard/config.json"), &e);
        QVERIFY(!c);
        QCOMPARE(e.kind, Error::Kind::Config);
        QVERIFY2(e.message.contains(QStringLiteral("/home/u/.config/lanyard/config.json")), qPrintable(e.message));
        QVERIFY2(e.message.contains(expected), qPrintable(e.message));
    }

    void missingFileNamesIt()
    {
        Error e;
        QVERIFY(!ConfigStore::load(QStringLiteral("/nonexistent/lanyard.json"), &e));
        QVERIFY(e.message.contains(QStringLiteral("/nonexistent/lanyard.json")));
        QVERIFY(e.message.contains(QStringLiteral("--config")));
    }

    void saveIsAtomicKeepsBackupAndUnknownKeys()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("config.json"));
        {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(R"({"servers": [{"name": "a", "url": "http:\/\/a/mcp", "custom": 1}], "futureKey": 7})");
        }
        Error e;
        auto c = ConfigStore::load(path, &e);
        QVERIFY2(c, qPrintable(e.message));
        ServerConfig s;
        s.name = QStringLiteral("b");
        s.url = QUrl(QStringLiteral("http://b/mcp"));
        c->servers << s;
        QVERIFY2(ConfigStore::save(*c, &e), qPrintable(e.message));
        QVERIFY(QFile::exists(path + QStringLiteral(".bak")));
        auto again = ConfigStore::load(path, &e);
        QVERIFY(again);
        QCOMPARE(again->servers.size(), 2);
        QCOMPARE(again->raw["futureKey"], 7);
        QCOMPARE(again->servers[0].raw["custom"], 1);
    }

    void refusesToOverwriteAChangedFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("config.json"));
        auto write = [&](const QByteArray& b) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(b);
        };
        write(R"({"servers": []})");
        Error e;
        auto c = ConfigStore::load(path, &e);
        QVERIFY(c);
        QThread::msleep(20);
        write(R"({"servers": [], "editedElsewhere": true})");
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadWrite));
        f.setFileTime(c->loadedModified.addSecs(5), QFileDevice::FileModificationTime);
        f.close();
        QVERIFY(!ConfigStore::save(*c, &e));
        QVERIFY(e.message.contains(QStringLiteral("changed on disk")));
        QFile check(path);
        QVERIFY(check.open(QIODevice::ReadOnly));
        QVERIFY(check.readAll().contains("editedElsewhere")); // untouched
    }
};

QTEST_GUILESS_MAIN(TestConfig)
#include "TestConfig.moc"
