// SPDX-License-Identifier: MIT
#include "transport/StdioTransport.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

using namespace lanyard;

namespace {

const QString kFakeServer = QStringLiteral(FAKE_STDIO_SERVER);

json request(int id, const char* method = "tools/list")
{
    return json { { "jsonrpc", "2.0" }, { "id", id }, { "method", method }, { "params", { { "n", id } } } };
}

struct Recorder
{
    explicit Recorder(StdioTransport* t)
    {
        QObject::connect(t, &Transport::messageReceived, t, [this](const json& m) { messages.append(m); });
        QObject::connect(t, &Transport::sendFailed, t, [this](const json& id, const Error& e) {
            failures.append({ id, e });
        });
        QObject::connect(t, &Transport::errorOccurred, t, [this](const Error& e) { errors.append(e); });
        QObject::connect(t, &Transport::closed, t, [this] { ++closed; });
        QObject::connect(t, &Transport::started, t, [this] { ++started; });
        QObject::connect(t, &StdioTransport::serverLogReceived, t, [this](const QString& l) { logLines.append(l); });
    }
    bool hasAnswer(int id) const
    {
        for (const json& m : messages) {
            if (m.contains("id") && m["id"] == id && m.contains("result"))
                return true;
        }
        return false;
    }
    json answer(int id) const
    {
        for (const json& m : messages) {
            if (m.contains("id") && m["id"] == id)
                return m;
        }
        return json();
    }
    QList<json> messages;
    QList<QPair<json, Error>> failures;
    QList<Error> errors;
    QStringList logLines;
    int closed = 0;
    int started = 0;
};

} // namespace

class TestStdioTransport : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { QVERIFY2(QFileInfo::exists(kFakeServer), qPrintable(kFakeServer)); }

    void initializeAndEcho()
    {
        StdioTransport t(kFakeServer, { QStringLiteral("echo") });
        Recorder rec(&t);
        t.start();
        QTRY_COMPARE(rec.started, 1);
        QVERIFY(t.isRunning());
        t.send(request(1, "initialize"));
        QTRY_VERIFY(rec.hasAnswer(1));
        QCOMPARE(qs(rec.answer(1)["result"]["serverInfo"], "name"), QStringLiteral("fake-stdio"));
        t.send(json { { "jsonrpc", "2.0" }, { "method", "notifications/initialized" } });
        t.send(request(2));
        QTRY_VERIFY(rec.hasAnswer(2));
        QCOMPARE(rec.answer(2)["result"]["echo"]["n"], json(2));
        QCOMPARE(rec.errors.size(), 0);
        QCOMPARE(rec.messages.size(), 2);
    }

    void cleanShutdownByClosingStdin()
    {
        StdioTransport t(kFakeServer, { QStringLiteral("echo") });
        Recorder rec(&t);
        t.start();
        QTRY_COMPARE(rec.started, 1);
        QElapsedTimer timer;
        timer.start();
        t.close();
        QTRY_COMPARE(rec.closed, 1);
        QVERIFY2(timer.elapsed() < 1500, "the server should exit when stdin closes, without SIGTERM");
        QCOMPARE(rec.errors.size(), 0);
        QVERIFY(!t.isRunning());
        t.close(); // twice is harmless
        QTest::qWait(20);
        QCOMPARE(rec.closed, 1);
    }

    void stubbornServerIsTerminatedThenKilled()
    {
        StdioTransport t(kFakeServer, { QStringLiteral("stubborn") });
        t.setShutdownTimeouts(100, 100);
        Recorder rec(&t);
        t.start();
        QTRY_COMPARE(rec.started, 1);
        t.close();
        QTRY_COMPARE_WITH_TIMEOUT(rec.closed, 1, 3000);
        QCOMPARE(rec.errors.size(), 0);
        QVERIFY(!t.isRunning());
    }

    void readsLinesWrittenInPieces()
    {
        StdioTransport t(kFakeServer, { QStringLiteral("split") });
        Recorder rec(&t);
        t.start();
        t.send(request(1));
        t.send(request(2));
        QTRY_VERIFY(rec.hasAnswer(1));
        QTRY_VERIFY(rec.hasAnswer(2));
        QCOMPARE(rec.errors.size(), 0);
    }

    void garbageLineIsReportedAndSkipped()
    {
        StdioTransport t(kFakeServer, { QStringLiteral("garbage") });
        Recorder rec(&t);
        t.start();
        QTRY_COMPARE(rec.errors.size(), 1);
        QCOMPARE(rec.errors[0].kind, Error::Kind::Protocol);
        QVERIFY(rec.errors[0].detail.contains(QLatin1String("this is not json")));
        t.send(request(1));
        QTRY_VERIFY(rec.hasAnswer(1));
        QCOMPARE(rec.closed, 0);
    }

    void programNotFound()
    {
        StdioTransport t(QStringLiteral("lanyard-no-such-server-xyz"), { QStringLiteral("--stdio") });
        Recorder rec(&t);
        t.start();
        QTRY_COMPARE(rec.errors.size(), 1);
        QCOMPARE(rec.errors[0].kind, Error::Kind::Connection);
        QVERIFY(rec.errors[0].message.contains(QLatin1String("lanyard-no-such-server-xyz")));
        QVERIFY(rec.errors[0].message.contains(QLatin1String("not found")));
        QTRY_COMPARE(rec.closed, 1);
        QCOMPARE(rec.started, 0);
        t.send(request(1));
        QTRY_COMPARE(rec.failures.size(), 1);
    }

    void programNotExecutable()
    {
        QTemporaryDir dir;
        QFile file(dir.filePath(QStringLiteral("not-a-program")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("data");
        file.close();
        StdioTransport t(file.fileName());
        Recorder rec(&t);
        t.start();
        QTRY_COMPARE(rec.errors.size(), 1);
        QVERIFY(rec.errors[0].message.contains(file.fileName()));
        QTRY_COMPARE(rec.closed, 1);
    }

    void exitImmediatelyReportsCodeAndLog()
    {
        StdioTransport t(kFakeServer, { QStringLiteral("exit") });
        Recorder rec(&t);
        t.start();
        QTRY_COMPARE(rec.closed, 1);
        QCOMPARE(rec.errors.size(), 1);
        const Error e = rec.errors[0];
        QCOMPARE(e.kind, Error::Kind::Connection);
        QCOMPARE(e.code, 3);
        QVERIFY(e.message.contains(QLatin1String("exit code 3")));
        QVERIFY(e.detail.contains(QLatin1String("fatal: configuration missing")));
        QVERIFY(t.serverLog().contains(QLatin1String("fake server starting")));
    }

    void crashReportsSignal()
    {
        StdioTransport t(kFakeServer, { QStringLiteral("crash") });
        Recorder rec(&t);
        t.start();
        QTRY_COMPARE(rec.closed, 1);
        QCOMPARE(rec.errors.size(), 1);
        QVERIFY(rec.errors[0].message.contains(QLatin1String("killed")));
        QVERIFY2(rec.errors[0].message.contains(QLatin1String("signal 9")), qPrintable(rec.errors[0].message));
        QVERIFY(rec.errors[0].detail.contains(QLatin1String("about to crash")));
    }

    void stderrIsKeptAndEmitted()
    {
        StdioTransport t(kFakeServer, { QStringLiteral("stderr"), QStringLiteral("3") });
        Recorder rec(&t);
        t.start();
        QTRY_COMPARE(rec.logLines.size(), 3);
        QCOMPARE(rec.logLines,
            (QStringList { QStringLiteral("log line 1"), QStringLiteral("log line 2"), QStringLiteral("log line 3") }));
        QVERIFY(t.serverLog().contains(QLatin1String("log line 2")));
        QCOMPARE(rec.errors.size(), 0); // stderr output is not an error
    }

    void stderrRingIsBounded()
    {
        StdioTransport t(kFakeServer, { QStringLiteral("stderr"), QStringLiteral("20000") });
        Recorder rec(&t);
        t.start();
        QTRY_COMPARE_WITH_TIMEOUT(rec.logLines.size(), 20000, 10000);
        const QString log = t.serverLog();
        QVERIFY(log.size() <= 64 * 1024);
        QVERIFY(log.contains(QLatin1String("log line 20000")));
        QVERIFY(!log.contains(QLatin1String("log line 1\n")));
    }

    void hugeLineIsDroppedAndTheNextOneRead()
    {
        StdioTransport t(kFakeServer, { QStringLiteral("huge"), QString::number(3 * 1024 * 1024) });
        t.setMaxMessageBytes(1024 * 1024);
        Recorder rec(&t);
        t.start();
        t.send(request(1));
        QTRY_COMPARE(rec.failures.size(), 1);
        QCOMPARE(rec.failures[0].first, json(1));
        QCOMPARE(rec.failures[0].second.kind, Error::Kind::TooLarge);
        t.send(request(2));
        QTRY_VERIFY(rec.hasAnswer(2));
        QVERIFY(!rec.hasAnswer(1));
        QCOMPARE(rec.errors.size(), 0);
    }

    void environmentAndWorkingDirectory()
    {
        QTemporaryDir dir;
        StdioTransport t(kFakeServer, { QStringLiteral("env"), QStringLiteral("LANYARD_TEST_VALUE") });
        t.setEnvironmentAdditions({ { QStringLiteral("LANYARD_TEST_VALUE"), QStringLiteral("hello-env") } });
        t.setWorkingDirectory(dir.path());
        Recorder rec(&t);
        t.start();
        t.send(request(1));
        QTRY_VERIFY(rec.hasAnswer(1));
        const json result = rec.answer(1)["result"];
        QCOMPARE(qs(result, "value"), QStringLiteral("hello-env"));
        QCOMPARE(QFileInfo(qs(result, "cwd")).canonicalFilePath(), QFileInfo(dir.path()).canonicalFilePath());
    }

    void sendAfterCloseFails()
    {
        StdioTransport t(kFakeServer, { QStringLiteral("echo") });
        Recorder rec(&t);
        t.start();
        QTRY_COMPARE(rec.started, 1);
        t.close();
        QTRY_COMPARE(rec.closed, 1);
        t.send(request(1));
        QTRY_COMPARE(rec.failures.size(), 1);
        QCOMPARE(rec.failures[0].second.kind, Error::Kind::Connection);
    }
};

QTEST_GUILESS_MAIN(TestStdioTransport)
#include "TestStdioTransport.moc"
