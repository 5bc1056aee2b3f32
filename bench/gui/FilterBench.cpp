// SPDX-License-Identifier: MIT
// Issue 7's GUI row: how long one keystroke in the tool filter takes with 10,000 tools listed, in the
// real main window (MainWindow, ToolsPage, the session's model) against the benchmark server.
//   lanyard-bench-gui-filter URL [--tools N] [--rounds R]
// Types "tool-0999" (for 10,000 tools) and deletes it again, key by key, R times. Each keystroke is timed from the key
// event to the end of a synchronous repaint of the whole window (filter, list relayout, paint), which
// is what the person waits for. Prints one JSON line: keystrokes, median_ms, p90_ms, max_ms.
#include "MainWindow.h"
#include "session/ServerSession.h"
#include "session/SessionManager.h"
#include "util/Json.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QKeyEvent>
#include <QLineEdit>
#include <QListView>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <cstdio>
#include <vector>

using namespace lanyard;

namespace {
// Runs the event loop until `done` or `timeoutMs` passed.
template <typename F> bool waitFor(F done, int timeoutMs)
{
    QElapsedTimer clock;
    clock.start();
    while (!done()) {
        if (clock.elapsed() > timeoutMs)
            return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        QThread::msleep(2);
    }
    return true;
}

// A key press and release, as the keyboard would deliver them to the focused line edit.
void type(QWidget* target, int key, const QString& text)
{
    QKeyEvent press(QEvent::KeyPress, key, Qt::NoModifier, text);
    QKeyEvent release(QEvent::KeyRelease, key, Qt::NoModifier, text);
    QApplication::sendEvent(target, &press);
    QApplication::sendEvent(target, &release);
}

int fail(const char* what)
{
    std::fprintf(stderr, "lanyard-bench-gui-filter: %s\n", what);
    return 1;
}
} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const QStringList args = QApplication::arguments();
    if (args.size() < 2)
        return fail("usage: lanyard-bench-gui-filter URL [--tools N] [--rounds R]");
    const QString url = args.at(1);
    int tools = 10000;
    int rounds = 5;
    for (int i = 2; i + 1 < args.size(); i += 2) {
        if (args.at(i) == QLatin1String("--tools"))
            tools = args.at(i + 1).toInt();
        else if (args.at(i) == QLatin1String("--rounds"))
            rounds = args.at(i + 1).toInt();
    }
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("lanyard.json"));
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return fail("cannot write the configuration");
    file.write(
        dumpJson(json { { "servers", json::array({ json { { "name", "bench" }, { "url", url.toStdString() } } }) } }));
    file.close();

    SessionManager manager;
    Error error;
    if (!manager.load(path, &error))
        return fail(qPrintable(error.message));
    MainWindow window(&manager);
    window.resize(1280, 800);
    window.show();
    ServerSession* session = manager.session(QStringLiteral("bench"));
    session->connectToServer();
    if (!waitFor([&] { return session->toolsComplete() && int(session->tools().size()) >= tools; }, 120000))
        return fail("the tools did not arrive within 120 s");
    window.selectServer(QStringLiteral("bench"));
    auto* search = window.findChild<QLineEdit*>(QStringLiteral("toolSearch"));
    auto* list = window.findChild<QListView*>(QStringLiteral("toolList"));
    if (!search || !list)
        return fail("the tool filter or list is missing");
    waitFor([] { return false; }, 200);

    std::vector<double> ms;
    // The bench server names its tools tool-00002 .. tool-NNNNN (after echo and big): the prefix of the
    // last ten names leaves exactly ten rows when the count is a multiple of ten.
    const QString word
        = QStringLiteral("tool-") + QString::number(tools - 1).rightJustified(5, QLatin1Char('0')).left(4);
    const int expectedRows = tools % 10 == 0 && tools >= 20 ? 10 : -1;
    for (int round = 0; round < rounds; ++round) {
        for (int i = 0; i < 2 * word.size(); ++i) {
            QElapsedTimer timer;
            timer.start();
            if (i < word.size())
                type(search, word.at(i).toUpper().unicode(), word.mid(i, 1));
            else
                type(search, Qt::Key_Backspace, QString());
            QCoreApplication::processEvents();
            window.repaint();
            ms.push_back(double(timer.nsecsElapsed()) / 1e6);
            if (qEnvironmentVariableIsSet("LANYARD_BENCH_VERBOSE"))
                std::fprintf(stderr, "key %d: %.2f ms, %d rows\n", i, ms.back(), list->model()->rowCount());
            if (i == word.size() - 1 && expectedRows > 0 && list->model()->rowCount() != expectedRows)
                return fail("the filter did not leave the last ten tools");
        }
    }
    std::sort(ms.begin(), ms.end());
    const auto at = [&](double q) { return ms[std::min(ms.size() - 1, size_t(q * double(ms.size())))]; };
    std::printf("{\"keystrokes\": %zu, \"median_ms\": %.2f, \"p90_ms\": %.2f, \"max_ms\": %.2f, \"tools\": %d}\n",
        ms.size(), at(0.5), at(0.9), ms.back(), int(session->tools().size()));
    manager.disconnectAll();
    return 0;
}
