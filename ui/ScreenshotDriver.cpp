// SPDX-License-Identifier: MIT
#include "ScreenshotDriver.h"

#include "ActivityPage.h"
#include "ContentView.h"
#include "ElicitationDialog.h"
#include "MainWindow.h"
#include "PromptsPage.h"
#include "RawJsonEditor.h"
#include "ResourcesPage.h"
#include "SchemaForm.h"
#include "ServerDialog.h"
#include "ToolsPage.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStyleFactory>
#include <QTableView>
#include <QToolButton>
#include <QTreeView>

namespace lanyard {

namespace {

void setText(QWidget* w, const QString& text)
{
    if (auto* e = qobject_cast<QLineEdit*>(w))
        e->setText(text);
    else if (auto* s = qobject_cast<QSpinBox*>(w))
        s->setValue(text.toInt());
}

QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x31);
    const QColor base(0x1f, 0x21, 0x24);
    const QColor text(0xe6, 0xe6, 0xe6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, window);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9c, 0xa0));
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::red);
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xde));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x79, 0xb8, 0xff));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x80, 0x80, 0x80));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x80, 0x80, 0x80));
    return p;
}

} // namespace

ScreenshotDriver::ScreenshotDriver(MainWindow* window, QString directory, QObject* parent)
    : QObject(parent)
    , m_window(window)
    , m_directory(std::move(directory))
{
    m_timer.setInterval(50);
    connect(&m_timer, &QTimer::timeout, this, &ScreenshotDriver::poll);
}

template <typename T> T* ScreenshotDriver::find(const QString& name) const
{
    return m_window ? m_window->findChild<T*>(name) : nullptr;
}

void ScreenshotDriver::start()
{
    QDir().mkpath(m_directory);
    buildSteps();
    m_index = 0;
    QTimer::singleShot(0, this, &ScreenshotDriver::next);
}

void ScreenshotDriver::next()
{
    if (!m_window || m_index >= m_steps.size()) {
        for (const QString& p : std::as_const(m_problems))
            qWarning("screenshot: %s", qPrintable(p));
        emit finished(m_problems.isEmpty() ? 0 : 1);
        return;
    }
    Step& step = m_steps[m_index];
    if (step.action)
        step.action();
    m_waitStarted = QDateTime::currentMSecsSinceEpoch();
    m_timer.start();
}

void ScreenshotDriver::poll()
{
    Step& step = m_steps[m_index];
    const bool ready = !step.ready || step.ready();
    const bool timedOut = QDateTime::currentMSecsSinceEpoch() - m_waitStarted > step.timeoutMs;
    if (!ready && !timedOut)
        return;
    m_timer.stop();
    if (!ready)
        m_problems << QStringLiteral("timed out: %1").arg(step.description);
    // Let layouts and repaints settle before the picture.
    QTimer::singleShot(step.shot.isEmpty() ? 0 : 400, this, [this] {
        if (!m_window)
            return;
        const Step& s = m_steps[m_index];
        if (!s.shot.isEmpty())
            capture(s);
        ++m_index;
        next();
    });
}

void ScreenshotDriver::capture(const Step& step)
{
    QWidget* target = step.target ? step.target() : m_window.data();
    if (!target) {
        m_problems << QStringLiteral("nothing to grab for %1").arg(step.shot);
        return;
    }
    const QString path = QDir(m_directory).filePath(step.shot + QStringLiteral(".png"));
    if (!target->grab().save(path))
        m_problems << QStringLiteral("could not save %1").arg(path);
    else
        m_saved << path;
}

void ScreenshotDriver::buildSteps()
{
    MainWindow* w = m_window;
    SessionManager* manager = w->manager();
    auto has = [manager](const QString& name) { return manager->session(name) != nullptr; };
    auto settled = [manager] {
        for (ServerSession* s : manager->sessions()) {
            if (!s->config().enabled)
                continue;
            if (s->state() == ServerSession::State::Connecting || s->isRefreshing())
                return false;
        }
        return true;
    };
    ToolsPage* tools = w->toolsPage();
    auto resultShown = [tools] {
        return !tools->isCallRunning() && tools->resultView()->findChild<QLabel*>(QStringLiteral("resultStatus"));
    };
    auto control = [tools](const QString& pointer) { return tools->form()->control(pointer); };

    m_steps.push_back({ QStringLiteral("servers connect"), nullptr, settled, 30000, QString(), nullptr });

    if (has(QStringLiteral("docs"))) {
        m_steps.push_back({ QStringLiteral("docs tools"),
            [w, tools, control] {
                w->selectServer(QStringLiteral("docs"));
                w->showPage(MainWindow::Page::Tools);
                tools->selectTool(QStringLiteral("echo_structured"));
                setText(control(QStringLiteral("/message")), QStringLiteral("Hello from Lanyard"));
                setText(control(QStringLiteral("/count")), QStringLiteral("2"));
                if (auto* add = tools->findChild<QPushButton*>(QStringLiteral("add:/tags")))
                    add->click();
                setText(control(QStringLiteral("/tags/0")), QStringLiteral("demo"));
            },
            nullptr, 2000, QStringLiteral("tools"), nullptr });
        m_steps.push_back({ QStringLiteral("echo_structured result"), [tools] { tools->callCurrentTool(); },
            resultShown, 15000, QStringLiteral("tool-result"), nullptr });
        m_steps.push_back({ QStringLiteral("raw JSON editor with an error"),
            [tools] {
                if (auto* toggle = tools->findChild<QToolButton*>(QStringLiteral("rawToggle")))
                    toggle->setChecked(true);
                tools->rawEditor()->editor()->setPlainText(QStringLiteral(
                    "{\n  \"message\": \"Hello from Lanyard\",\n  \"count\": 2\n  \"tags\": [\"demo\"]\n}"));
            },
            nullptr, 1000, QStringLiteral("raw-json-error"), nullptr });
        m_steps.push_back({ QStringLiteral("raw JSON editor fixed"),
            [tools] {
                tools->rawEditor()->editor()->setPlainText(QStringLiteral(
                    "{\n  \"message\": \"Hello from Lanyard\",\n  \"count\": 2,\n  \"tags\": [\"demo\"]\n}"));
                if (auto* toggle = tools->findChild<QToolButton*>(QStringLiteral("rawToggle")))
                    toggle->setChecked(false);
            },
            nullptr, 1000, QString(), nullptr });
        m_steps.push_back({ QStringLiteral("media sampler"),
            [tools] {
                tools->selectTool(QStringLiteral("media_sampler"));
                tools->callCurrentTool();
            },
            resultShown, 15000, QStringLiteral("tool-media"), nullptr });
        m_steps.push_back({ QStringLiteral("large result"),
            [tools, control] {
                tools->selectTool(QStringLiteral("large_result"));
                setText(control(QStringLiteral("/size")), QStringLiteral("2000000"));
                tools->callCurrentTool();
            },
            resultShown, 30000, QStringLiteral("tool-large-result"), nullptr });
        m_steps.push_back({ QStringLiteral("resources"),
            [w] {
                w->showPage(MainWindow::Page::Resources);
                auto* tree = w->findChild<QTreeView*>(QStringLiteral("resourceTree"));
                if (tree && tree->model()->rowCount() > 0) {
                    const QModelIndex root = tree->model()->index(0, 0);
                    // The JSON resource renders as a tree: prefer it.
                    QModelIndex pick = tree->model()->index(0, 0, root);
                    for (int r = 0; r < tree->model()->rowCount(root); ++r) {
                        const QModelIndex i = tree->model()->index(r, 0, root);
                        if (i.data(Qt::ToolTipRole).toString().contains(QLatin1String(".json")))
                            pick = i;
                    }
                    tree->setCurrentIndex(pick);
                }
                w->resourcesPage()->readCurrent();
            },
            [w] { return w->resourcesPage()->contentView()->findChild<QLabel*>(QStringLiteral("resultStatus")); },
            15000, QStringLiteral("resources"), nullptr });
        m_steps.push_back({ QStringLiteral("resource template"),
            [w] {
                auto* tree = w->findChild<QTreeView*>(QStringLiteral("resourceTree"));
                if (tree && tree->model()->rowCount() > 1) {
                    const QModelIndex root = tree->model()->index(1, 0);
                    tree->setCurrentIndex(tree->model()->index(0, 0, root));
                }
                if (auto* e = w->findChild<QLineEdit*>(QStringLiteral("templateVar:name")))
                    e->setText(QStringLiteral("getting-started"));
                w->resourcesPage()->readCurrent();
            },
            [w] { return w->resourcesPage()->contentView()->findChild<QLabel*>(QStringLiteral("resultStatus")); },
            15000, QStringLiteral("resource-template"), nullptr });
    }
    if (has(QStringLiteral("hr"))) {
        m_steps.push_back({ QStringLiteral("slow tool with progress"),
            [w, tools, control] {
                w->selectServer(QStringLiteral("hr"));
                w->showPage(MainWindow::Page::Tools);
                tools->selectTool(QStringLiteral("generate_report"));
                setText(control(QStringLiteral("/steps")), QStringLiteral("20"));
                setText(control(QStringLiteral("/step_ms")), QStringLiteral("250"));
                tools->callCurrentTool();
            },
            [tools] {
                auto* bar = tools->findChild<QProgressBar*>(QStringLiteral("callProgress"));
                return bar && bar->maximum() > 0 && bar->value() >= 300;
            },
            15000, QStringLiteral("tool-progress"), nullptr });
        m_steps.push_back({ QStringLiteral("cancel the slow tool"), [tools] { tools->cancelCall(); },
            [tools] { return !tools->isCallRunning(); }, 10000, QString(), nullptr });
        m_steps.push_back({ QStringLiteral("prompts"),
            [w] {
                w->showPage(MainWindow::Page::Prompts);
                w->promptsPage()->selectPrompt(QStringLiteral("performance_review"));
                if (auto* e = w->findChild<QLineEdit*>(QStringLiteral("promptArg:employee_id")))
                    e->setText(QStringLiteral("E1003"));
                if (auto* e = w->findChild<QLineEdit*>(QStringLiteral("promptArg:focus")))
                    e->setText(QStringLiteral("growth"));
                w->promptsPage()->getCurrent();
            },
            [w] { return w->promptsPage()->contentView()->findChild<QLabel*>(QStringLiteral("resultStatus")); }, 15000,
            QStringLiteral("prompts"), nullptr });
        // The identity pictures against the identity lab come from tests/gui/TestIdentityGui; here
        // the page for a server without sign-in.
        m_steps.push_back({ QStringLiteral("identity"), [w] { w->showPage(MainWindow::Page::Identity); }, nullptr, 1000,
            QStringLiteral("identity-no-sign-in"), nullptr });
        m_steps.push_back({ QStringLiteral("access matrix"), [w] { w->showPage(MainWindow::Page::Access); }, nullptr,
            1000, QStringLiteral("access-lab"), nullptr });
        m_steps.push_back({ QStringLiteral("activity"),
            [w] {
                w->showPage(MainWindow::Page::Activity);
                if (auto* table = w->findChild<QTableView*>(QStringLiteral("trafficTable"))) {
                    const int rows = table->model()->rowCount();
                    if (rows > 0)
                        table->selectRow(qMax(0, rows - 4));
                }
            },
            nullptr, 1000, QStringLiteral("activity"), nullptr });
        m_steps.push_back({ QStringLiteral("elicitation"),
            [w, tools] {
                w->showPage(MainWindow::Page::Tools);
                tools->selectTool(QStringLiteral("request_time_off"));
                tools->callCurrentTool();
            },
            [] {
                for (QWidget* top : QApplication::topLevelWidgets()) {
                    if (auto* d = qobject_cast<ElicitationDialog*>(top); d && d->isVisible()) {
                        if (auto* e = d->findChild<QLineEdit*>(QStringLiteral("field:/start_date")))
                            e->setText(QStringLiteral("2026-12-21"));
                        if (auto* s = d->findChild<QSpinBox*>(QStringLiteral("field:/days")))
                            s->setValue(5);
                        if (auto* e = d->findChild<QLineEdit*>(QStringLiteral("field:/days")))
                            e->setText(QStringLiteral("5"));
                        if (auto* c = d->findChild<QComboBox*>(QStringLiteral("field:/reason")))
                            c->setCurrentIndex(1);
                        return true;
                    }
                }
                return false;
            },
            10000, QStringLiteral("elicitation"),
            []() -> QWidget* {
                for (QWidget* top : QApplication::topLevelWidgets()) {
                    if (auto* d = qobject_cast<ElicitationDialog*>(top); d && d->isVisible())
                        return d;
                }
                return nullptr;
            } });
        m_steps.push_back({ QStringLiteral("answer the elicitation"),
            [] {
                for (QWidget* top : QApplication::topLevelWidgets()) {
                    if (auto* d = qobject_cast<ElicitationDialog*>(top); d && d->isVisible()) {
                        if (auto* b = d->findChild<QPushButton*>(QStringLiteral("elicitationAccept")))
                            b->click();
                    }
                }
            },
            resultShown, 10000, QStringLiteral("elicitation-result"), nullptr });
        m_steps.push_back({ QStringLiteral("server dialog"),
            [w, manager] {
                ServerSession* s = manager->session(QStringLiteral("hr"));
                const ServerConfig config = s->config();
                auto* dialog = new ServerDialog(manager, &config, w);
                dialog->setAttribute(Qt::WA_DeleteOnClose);
                dialog->show();
            },
            nullptr, 1000, QStringLiteral("server-dialog"),
            [w]() -> QWidget* { return w->findChild<ServerDialog*>(); } });
        m_steps.push_back({ QStringLiteral("close the server dialog"),
            [w] {
                if (auto* d = w->findChild<ServerDialog*>())
                    d->close();
            },
            nullptr, 1000, QString(), nullptr });
    }
    if (has(QStringLiteral("bench"))) {
        m_steps.push_back({ QStringLiteral("bench: many tools"),
            [w, tools] {
                w->selectServer(QStringLiteral("bench"));
                w->showPage(MainWindow::Page::Tools);
                if (auto* search = tools->findChild<QLineEdit*>(QStringLiteral("toolSearch")))
                    search->setText(QStringLiteral("tool 77"));
            },
            [manager] {
                ServerSession* s = manager->session(QStringLiteral("bench"));
                return s && !s->isRefreshing() && s->state() != ServerSession::State::Connecting;
            },
            30000, QStringLiteral("tools-bench"), nullptr });
        m_steps.push_back({ QStringLiteral("bench: clear filter"),
            [tools] {
                if (auto* search = tools->findChild<QLineEdit*>(QStringLiteral("toolSearch")))
                    search->clear();
            },
            nullptr, 500, QString(), nullptr });
    }
    if (has(QStringLiteral("offline"))) {
        m_steps.push_back({ QStringLiteral("unreachable server"),
            [w] {
                w->selectServer(QStringLiteral("offline"));
                w->showPage(MainWindow::Page::Tools);
            },
            [manager] {
                ServerSession* s = manager->session(QStringLiteral("offline"));
                return s && s->state() == ServerSession::State::Error;
            },
            15000, QStringLiteral("server-unreachable"), nullptr });
    }
    if (has(QStringLiteral("docs"))) {
        m_steps.push_back({ QStringLiteral("dark palette"),
            [w, tools] {
                QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
                QApplication::setPalette(darkPalette());
                w->selectServer(QStringLiteral("docs"));
                w->showPage(MainWindow::Page::Tools);
                tools->selectTool(QStringLiteral("echo_structured"));
                tools->callCurrentTool();
            },
            resultShown, 15000, QStringLiteral("tools-dark"), nullptr });
    }
}

} // namespace lanyard
