// SPDX-License-Identifier: MIT
// The UI thread never waits on the network: while 10,000 tools load (lab bench server, paged) and a
// slow tool call streams progress, and while the user filters the 10,000 tools, the event loop
// keeps turning within 50 ms. A 5 ms QTimer measures the largest gap between its ticks, and the CPU
// time the GUI thread used inside each gap: the GUI thread must never work for 50 ms without
// returning to the event loop, and no gap may exceed 250 ms of wall time (a blocking wait would).
// The two numbers are separate so that a machine busy with other processes (CPU time stolen
// while the thread was ready to run) does not make the test flaky, while real stalls still fail it.
#include "GuiTestSupport.h"
#include "Icons.h"
#include "MainWindow.h"
#include "SchemaForm.h"
#include "ToolsPage.h"
#include "session/SessionManager.h"

#include <QElapsedTimer>
#include <QLineEdit>
#include <QListView>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <ctime>

using namespace lanyard;

namespace {

// Largest gap between ticks of a 5 ms timer while it runs.
class GapMeter : public QObject
{
public:
    GapMeter()
    {
        m_timer.setInterval(5);
        m_timer.setTimerType(Qt::PreciseTimer);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            const qint64 cpu = threadCpuNs();
            if (m_last >= 0) {
                m_maxGapNs = qMax(m_maxGapNs, now - m_last);
                m_maxCpuNs = qMax(m_maxCpuNs, cpu - m_lastCpu);
            }
            m_last = now;
            m_lastCpu = cpu;
            ++m_ticks;
        });
    }
    static qint64 threadCpuNs()
    {
        timespec ts {};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return qint64(ts.tv_sec) * 1000000000 + ts.tv_nsec;
    }
    void start()
    {
        m_maxGapNs = 0;
        m_maxCpuNs = 0;
        m_last = -1;
        m_ticks = 0;
        m_clock.start();
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    double maxGapMs() const { return double(m_maxGapNs) / 1e6; }
    double maxBusyMs() const { return double(m_maxCpuNs) / 1e6; }
    int ticks() const { return m_ticks; }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = -1;
    qint64 m_maxGapNs = 0;
    qint64 m_lastCpu = 0;
    qint64 m_maxCpuNs = 0;
    int m_ticks = 0;
};

constexpr int kTools = 10000;
// Longest stretch of GUI-thread work between event-loop turns (issue 5). It was 52-135 ms while the
// hidden access matrix rebuilt its table and looked every tool up by a linear scan of 10,000; with
// the table rebuilt only when shown and the tools indexed by name it is 18-26 ms on the 2-core CI
// machine.
constexpr double kBudgetMs = 50.0;
constexpr double kWallLimitMs = 250.0; // longest gap of any kind (a blocking wait would exceed it)

} // namespace

class TestResponsiveness : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void eventLoopTurnsWhileTenThousandToolsLoadAndASlowCallRuns();
    void filteringTenThousandToolsStaysInstant();

private:
    test::LabThread m_lab;
    QTemporaryDir m_dir;
    SessionManager* m_manager = nullptr;
    MainWindow* m_window = nullptr;
};

void TestResponsiveness::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    ui::initResources();
    lab::LabOptions options;
    options.benchTools = kTools;
    QString error;
    QVERIFY2(m_lab.start(options, &error), qPrintable(error));
    const QString path = m_dir.filePath(QStringLiteral("lanyard.json"));
    QVERIFY(m_lab.writeConfig(path));
    m_manager = new SessionManager();
    Error loadError;
    QVERIFY(m_manager->load(path, &loadError));
    m_window = new MainWindow(m_manager);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window));
    QTest::qWait(200); // first layout and paint are not what we measure
}

void TestResponsiveness::cleanupTestCase()
{
    delete m_window;
    delete m_manager;
}

void TestResponsiveness::eventLoopTurnsWhileTenThousandToolsLoadAndASlowCallRuns()
{
    ServerSession* hr = m_manager->session(QStringLiteral("hr"));
    ServerSession* bench = m_manager->session(QStringLiteral("bench"));
    QVERIFY(hr && bench);
    hr->connectToServer();
    QTRY_VERIFY_WITH_TIMEOUT(hr->state() == ServerSession::State::Connected && !hr->isRefreshing(), 15000);
    QVERIFY(m_window->selectServer(QStringLiteral("hr")));
    ToolsPage* tools = m_window->toolsPage();
    QVERIFY(tools->selectTool(QStringLiteral("generate_report")));
    qobject_cast<QLineEdit*>(tools->form()->control(QStringLiteral("/steps")))->setText(QStringLiteral("40"));
    qobject_cast<QLineEdit*>(tools->form()->control(QStringLiteral("/step_ms")))->setText(QStringLiteral("50"));

    GapMeter meter;
    meter.start();
    QVERIFY(tools->callCurrentTool()); // slow call with progress, shown on screen
    bench->connectToServer(); // 10,000 tools, 100 pages
    QVERIFY(m_window->selectServer(QStringLiteral("bench")));
    QTRY_VERIFY_WITH_TIMEOUT(bench->state() == ServerSession::State::Connected && !bench->isRefreshing()
            && bench->tools().size() == size_t(kTools + 1),
        60000);
    // The tools are on screen: the list shows them all.
    auto* list = tools->findChild<QListView*>(QStringLiteral("toolList"));
    QTRY_COMPARE(list->model()->rowCount(), kTools + 1);
    QTest::qWait(100);
    QVERIFY(m_window->selectServer(QStringLiteral("hr")));
    QTRY_VERIFY_WITH_TIMEOUT(!tools->isCallRunning(), 20000);
    meter.stop();
    qInfo("largest event-loop gap: %.1f ms wall, %.1f ms of GUI-thread work, over %d ticks", meter.maxGapMs(),
        meter.maxBusyMs(), meter.ticks());
    QVERIFY(meter.ticks() > 50);
    QVERIFY2(meter.maxBusyMs() < kBudgetMs,
        qPrintable(
            QStringLiteral("the GUI thread worked %1 ms without turning the event loop").arg(meter.maxBusyMs())));
    QVERIFY2(meter.maxGapMs() < kWallLimitMs,
        qPrintable(QStringLiteral("the UI thread stalled for %1 ms").arg(meter.maxGapMs())));
}

void TestResponsiveness::filteringTenThousandToolsStaysInstant()
{
    ServerSession* bench = m_manager->session(QStringLiteral("bench"));
    QVERIFY(m_window->selectServer(QStringLiteral("bench")));
    QTRY_VERIFY_WITH_TIMEOUT(bench->tools().size() == size_t(kTools + 1), 60000);
    ToolsPage* tools = m_window->toolsPage();
    auto* search = tools->findChild<QLineEdit*>(QStringLiteral("toolSearch"));
    auto* list = tools->findChild<QListView*>(QStringLiteral("toolList"));
    QTest::qWait(100);
    GapMeter meter;
    meter.start();
    // Type, as a user would, then delete it again, letting the event loop run between keys.
    for (const QChar c : QStringLiteral("bench_0999")) {
        QTest::keyClick(search, c.toLatin1());
        QTest::qWait(10);
    }
    QCOMPARE(list->model()->rowCount(), 10); // bench_09990 .. bench_09999
    for (int i = 0; i < 10; ++i) {
        QTest::keyClick(search, Qt::Key_Backspace);
        QTest::qWait(10);
    }
    QCOMPARE(list->model()->rowCount(), kTools + 1);
    meter.stop();
    qInfo("largest event-loop gap while filtering: %.1f ms wall, %.1f ms of GUI-thread work", meter.maxGapMs(),
        meter.maxBusyMs());
    QVERIFY2(meter.maxBusyMs() < kBudgetMs,
        qPrintable(QStringLiteral("filtering kept the GUI thread busy for %1 ms").arg(meter.maxBusyMs())));
    QVERIFY2(meter.maxGapMs() < kWallLimitMs,
        qPrintable(QStringLiteral("filtering stalled the UI for %1 ms").arg(meter.maxGapMs())));
}

QTEST_MAIN(TestResponsiveness)
#include "TestResponsiveness.moc"
