// SPDX-License-Identifier: MIT
// The desktop app as a process (app/gui/main.cpp): --report-startup, which bench scenario 6 times,
// prints "painted" once the window was painted; the app keeps running and ends on SIGTERM as when
// its window is closed (settings saved).
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

class TestDesktopApp : public QObject
{
    Q_OBJECT
private slots:
    void reportsItsFirstPaint();
};

void TestDesktopApp::reportsItsFirstPaint()
{
    QTemporaryDir home;
    QVERIFY(home.isValid());
    const QString config = home.filePath(QStringLiteral("config.json"));
    QFile file(config);
    QVERIFY(file.open(QIODevice::WriteOnly));
    // A server nobody listens on: the window still paints, the server shows its error.
    file.write(R"({"servers":[{"name":"nowhere","url":"http://127.0.0.1:1/mcp"}]})");
    file.close();
    // The first-run tour is marked as seen, as for someone who has used the app before.
    QVERIFY(QDir().mkpath(home.filePath(QStringLiteral("config/Lanyard"))));
    QFile settings(home.filePath(QStringLiteral("config/Lanyard/lanyard.conf")));
    QVERIFY(settings.open(QIODevice::WriteOnly));
    settings.write("[tour]\nshown=true\n");
    settings.close();

    QProcess app;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    env.insert(QStringLiteral("HOME"), home.path());
    env.insert(QStringLiteral("XDG_CONFIG_HOME"), home.filePath(QStringLiteral("config")));
    env.insert(QStringLiteral("XDG_DATA_HOME"), home.filePath(QStringLiteral("data")));
    app.setProcessEnvironment(env);
    app.start(
        QStringLiteral(LANYARD_APP_EXE), { QStringLiteral("--config"), config, QStringLiteral("--report-startup") });
    QVERIFY2(app.waitForStarted(10000), qPrintable(app.errorString()));
    QByteArray out;
    QVERIFY2(QTest::qWaitFor(
                 [&] {
                     out += app.readAllStandardOutput();
                     return out.contains("painted\n") || app.state() == QProcess::NotRunning;
                 },
                 30000),
        app.readAllStandardError().constData());
    QCOMPARE(out, QByteArray("painted\n")); // once, and nothing else on stdout
    QTest::qWait(300);
    QCOMPARE(app.state(), QProcess::Running); // it keeps running
    out += app.readAllStandardOutput();
    QCOMPARE(out, QByteArray("painted\n")); // reported once only
    // SIGTERM ends it as closing the window does: a normal exit, the window's settings saved.
    app.terminate();
    QVERIFY(app.waitForFinished(10000));
    QCOMPARE(app.exitStatus(), QProcess::NormalExit);
    QCOMPARE(app.exitCode(), 0);
    QVERIFY(settings.open(QIODevice::ReadOnly));
    const QByteArray saved = settings.readAll();
    settings.close();
    QVERIFY2(saved.contains("[mainWindow]") && saved.contains("server=nowhere"), saved.constData());

    // Without the option, nothing is printed.
    app.start(QStringLiteral(LANYARD_APP_EXE), { QStringLiteral("--config"), config });
    QVERIFY(app.waitForStarted(10000));
    QTest::qWait(1500);
    QCOMPARE(app.state(), QProcess::Running);
    QVERIFY(app.readAllStandardOutput().isEmpty());
    app.terminate();
    QVERIFY(app.waitForFinished(10000));
}

QTEST_MAIN(TestDesktopApp)
#include "TestDesktopApp.moc"
