// SPDX-License-Identifier: MIT
// A server that goes away: mid-call and while idle. The window shows a banner with Reconnect,
// the call ends with a plain-language error, and reconnecting to a server that is still gone says so.
#include "ContentView.h"
#include "GuiTestSupport.h"
#include "Icons.h"
#include "MainWindow.h"
#include "MessageBar.h"
#include "SchemaForm.h"
#include "ToolsPage.h"
#include "session/SessionManager.h"

#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <algorithm>
#include <memory>

using namespace lanyard;

class TestConnectionLoss : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void serverDisappearsMidCall();
    void idleServerDisappears();
    void unreachableAtStart();

private:
    bool connectAll();

    std::unique_ptr<test::LabThread> m_lab;
    QTemporaryDir m_dir;
    QString m_configPath;
    SessionManager* m_manager = nullptr;
    MainWindow* m_window = nullptr;
};

void TestConnectionLoss::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    ui::initResources();
    QVERIFY(m_dir.isValid());
}

void TestConnectionLoss::init()
{
    m_lab = std::make_unique<test::LabThread>();
    lab::LabOptions options;
    options.benchTools = 1;
    QString error;
    QVERIFY2(m_lab->start(options, &error), qPrintable(error));
    m_configPath = m_dir.filePath(QStringLiteral("lanyard.json"));
    QVERIFY(m_lab->writeConfig(m_configPath));
    m_manager = new SessionManager();
    Error loadError;
    QVERIFY(m_manager->load(m_configPath, &loadError));
    m_window = new MainWindow(m_manager);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window));
}

void TestConnectionLoss::cleanup()
{
    delete m_window;
    m_window = nullptr;
    delete m_manager;
    m_manager = nullptr;
    m_lab.reset();
}

bool TestConnectionLoss::connectAll()
{
    m_manager->connectAll();
    return QTest::qWaitFor(
        [this] {
            return std::all_of(m_manager->sessions().cbegin(), m_manager->sessions().cend(),
                [](ServerSession* s) { return s->state() == ServerSession::State::Connected && !s->isRefreshing(); });
        },
        15000);
}

void TestConnectionLoss::serverDisappearsMidCall()
{
    QVERIFY(connectAll());
    QVERIFY(m_window->selectServer(QStringLiteral("hr")));
    ToolsPage* tools = m_window->toolsPage();
    QVERIFY(tools->selectTool(QStringLiteral("generate_report")));
    qobject_cast<QLineEdit*>(tools->form()->control(QStringLiteral("/steps")))->setText(QStringLiteral("100"));
    qobject_cast<QLineEdit*>(tools->form()->control(QStringLiteral("/step_ms")))->setText(QStringLiteral("100"));
    QVERIFY(tools->callCurrentTool());
    auto* bar = tools->findChild<QWidget*>(QStringLiteral("callProgress"));
    QTRY_VERIFY_WITH_TIMEOUT(bar->isVisible(), 5000);
    QTest::qWait(300);

    m_lab->stop(); // every lab server goes away, mid-stream

    MessageBar* banner = m_window->connectionBanner();
    QTRY_VERIFY_WITH_TIMEOUT(banner->isVisible(), 20000);
    QVERIFY2(banner->text().contains(QLatin1String("Lost the connection to hr")), qPrintable(banner->text()));
    QCOMPARE(banner->actionButton()->text(), QStringLiteral("Reconnect"));
    QVERIFY(banner->actionButton()->isVisible());
    // The call ends as a failure with Lanyard's own words, and the UI is usable again.
    QTRY_VERIFY_WITH_TIMEOUT(!tools->isCallRunning(), 5000);
    auto* error = tools->resultView()->findChild<QLabel*>(QStringLiteral("resultError"));
    QVERIFY(error);
    QVERIFY2(error->text().contains(QLatin1String("The call to generate_report failed")), qPrintable(error->text()));
    QCOMPARE(m_manager->session(QStringLiteral("hr"))->state(), ServerSession::State::Error);
    QVERIFY(m_manager->session(QStringLiteral("hr"))->connectionLost());

    // Reconnect while the server is still gone: a clear "could not connect", never a hang.
    QTest::mouseClick(banner->actionButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(m_manager->session(QStringLiteral("hr"))->state() == ServerSession::State::Error
            && !m_manager->session(QStringLiteral("hr"))->connectionLost(),
        15000);
    QTRY_VERIFY(banner->isVisible());
    QVERIFY2(banner->text().contains(QLatin1String("Could not connect to hr")), qPrintable(banner->text()));
}

void TestConnectionLoss::idleServerDisappears()
{
    m_manager->setKeepAliveMs(300);
    QVERIFY(connectAll());
    QVERIFY(m_window->selectServer(QStringLiteral("docs")));
    QVERIFY(!m_window->connectionBanner()->isVisible());
    m_lab->stop();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->connectionBanner()->isVisible(), 15000);
    QVERIFY(m_window->connectionBanner()->text().contains(QLatin1String("Lost the connection to docs")));
    // The sidebar says so too.
    auto* list = m_window->findChild<QWidget*>(QStringLiteral("serverList"));
    QVERIFY(list);
    ServerSession* docs = m_manager->session(QStringLiteral("docs"));
    QVERIFY(docs->lastError().message.size() > 0);
}

void TestConnectionLoss::unreachableAtStart()
{
    m_lab->stop();
    m_manager->connectAll();
    QVERIFY(m_window->selectServer(QStringLiteral("hr")));
    QTRY_VERIFY_WITH_TIMEOUT(m_window->connectionBanner()->isVisible(), 15000);
    const QString text = m_window->connectionBanner()->text();
    QVERIFY2(text.contains(QLatin1String("Could not connect to hr")), qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("refused")) || text.contains(QLatin1String("running")), qPrintable(text));
    QCOMPARE(m_window->connectionBanner()->actionButton()->text(), QStringLiteral("Try again"));
}

QTEST_MAIN(TestConnectionLoss)
#include "TestConnectionLoss.moc"
