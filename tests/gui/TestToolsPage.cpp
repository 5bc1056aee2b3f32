// SPDX-License-Identifier: MIT
// The Tools page end to end: the real main window against lanyard-lab's demo servers (in their own
// thread), driven by object names: list and filter tools, fill the generated form, call, read the
// result, progress and cancel, the raw JSON editor, destructive confirmation, large results,
// elicitation, history re-run.
#include "ContentView.h"
#include "ElicitationDialog.h"
#include "GuiTestSupport.h"
#include "Icons.h"
#include "MainWindow.h"
#include "RawJsonEditor.h"
#include "SchemaForm.h"
#include "ToolsPage.h"
#include "session/SessionManager.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <algorithm>

using namespace lanyard;

class TestToolsPage : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();

    void listsToolsWithAnnotationBadges();
    void filterAsYouType();
    void fillFormCallAndSeeStructuredResult();
    void requiredAndBadFieldsBlockTheCall();
    void rawJsonEditorStaysInSyncAndFlagsInvalidJson();
    void progressAndCancelOnTheSlowTool();
    void destructiveToolAsksFirst();
    void toolErrorIsShownAsAnError();
    void tooLargeResultIsTruncatedWithShowAllAndSave();
    void mediaResultRendersEveryContentType();
    void elicitationDialogNamesTheServer();
    void historyRerun();
    void keyboardShortcuts();

private:
    void selectTool(const QString& server, const QString& tool);
    QWidget* field(const QString& pointer) const;
    void setField(const QString& pointer, const QString& text);
    bool resultShown() const;
    QString resultText() const;

    test::LabThread m_lab;
    QTemporaryDir m_dir;
    QString m_configPath;
    SessionManager* m_manager = nullptr;
    MainWindow* m_window = nullptr;
    ToolsPage* m_tools = nullptr;
};

void TestToolsPage::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    ui::initResources();
    QVERIFY(m_dir.isValid());
    lab::LabOptions options;
    options.benchTools = 20;
    QString error;
    QVERIFY2(m_lab.start(options, &error), qPrintable(error));
    m_configPath = m_dir.filePath(QStringLiteral("lanyard.json"));
    QVERIFY(m_lab.writeConfig(m_configPath));
}

void TestToolsPage::init()
{
    m_manager = new SessionManager();
    Error error;
    QVERIFY2(m_manager->load(m_configPath, &error), qPrintable(error.message));
    m_window = new MainWindow(m_manager);
    m_tools = m_window->toolsPage();
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window));
    m_manager->connectAll();
    QTRY_VERIFY_WITH_TIMEOUT(
        std::all_of(m_manager->sessions().cbegin(), m_manager->sessions().cend(),
            [](ServerSession* s) { return s->state() == ServerSession::State::Connected && !s->isRefreshing(); }),
        15000);
}

void TestToolsPage::cleanup()
{
    delete m_window;
    m_window = nullptr;
    delete m_manager;
    m_manager = nullptr;
}

void TestToolsPage::selectTool(const QString& server, const QString& tool)
{
    QVERIFY(m_window->selectServer(server));
    m_window->showPage(MainWindow::Page::Tools);
    QVERIFY2(m_tools->selectTool(tool), qPrintable(tool));
    QCOMPARE(m_tools->currentToolName(), tool);
}

QWidget* TestToolsPage::field(const QString& pointer) const
{
    return m_tools->form()->control(pointer);
}

void TestToolsPage::setField(const QString& pointer, const QString& text)
{
    QWidget* w = field(pointer);
    QVERIFY2(w, qPrintable(pointer));
    if (auto* e = qobject_cast<QLineEdit*>(w)) {
        e->clear();
        QTest::keyClicks(e, text);
    } else if (auto* s = qobject_cast<QSpinBox*>(w)) {
        s->setValue(text.toInt());
    } else {
        QFAIL(qPrintable(QStringLiteral("cannot type into %1").arg(pointer)));
    }
}

bool TestToolsPage::resultShown() const
{
    return !m_tools->isCallRunning() && m_tools->resultView()->findChild<QLabel*>(QStringLiteral("resultStatus"));
}

QString TestToolsPage::resultText() const
{
    return m_tools->resultView()->shownText();
}

void TestToolsPage::listsToolsWithAnnotationBadges()
{
    selectTool(QStringLiteral("hr"), QStringLiteral("update_salary"));
    auto* list = m_tools->findChild<QListView*>(QStringLiteral("toolList"));
    QVERIFY(list);
    QCOMPARE(list->model()->rowCount(), int(m_manager->session(QStringLiteral("hr"))->tools().size()));
    QVERIFY(list->model()->rowCount() >= 5);
    QVERIFY(list->uniformItemSizes());
    // Badges of the selected tool, and the tab title with the count.
    auto* badges = m_tools->findChild<QWidget*>(QStringLiteral("toolBadges"));
    QStringList texts;
    for (auto* l : badges->findChildren<QLabel*>())
        texts << l->text();
    QVERIFY2(texts.contains(QStringLiteral("destructive")), qPrintable(texts.join(QLatin1Char(','))));
    auto* tabs = m_window->findChild<QTabWidget*>(QStringLiteral("pages"));
    QVERIFY(tabs->tabText(0).contains(QString::number(list->model()->rowCount())));
    // The accessible text of a row names its annotations.
    bool found = false;
    for (int r = 0; r < list->model()->rowCount(); ++r) {
        const QString a = list->model()->index(r, 0).data(Qt::AccessibleTextRole).toString();
        found = found || (a.contains(QLatin1String("update_salary")) && a.contains(QLatin1String("destructive")));
    }
    QVERIFY(found);
}

void TestToolsPage::filterAsYouType()
{
    QVERIFY(m_window->selectServer(QStringLiteral("bench")));
    auto* list = m_tools->findChild<QListView*>(QStringLiteral("toolList"));
    auto* search = m_tools->findChild<QLineEdit*>(QStringLiteral("toolSearch"));
    auto* count = m_tools->findChild<QLabel*>(QStringLiteral("toolCount"));
    const int all = list->model()->rowCount();
    QCOMPARE(all, 21); // 20 bench tools + whoami
    QTest::keyClicks(search, QStringLiteral("bench_0001"));
    QCOMPARE(list->model()->rowCount(), 10); // bench_00010 .. bench_00019
    QVERIFY2(count->text().contains(QLatin1String("10 of 21")), qPrintable(count->text()));
    QTest::keyClicks(search, QStringLiteral("5"));
    QCOMPARE(list->model()->rowCount(), 1);
    QCOMPARE(m_tools->currentToolName(), QStringLiteral("bench_00015"));
    // Several words must all match (title and description are searched too).
    search->setText(QStringLiteral("echoes 7"));
    QVERIFY(list->model()->rowCount() >= 2);
    search->setText(QStringLiteral("no such tool at all"));
    QCOMPARE(list->model()->rowCount(), 0);
    search->clear();
    QCOMPARE(list->model()->rowCount(), all);
}

void TestToolsPage::fillFormCallAndSeeStructuredResult()
{
    selectTool(QStringLiteral("docs"), QStringLiteral("echo_structured"));
    setField(QStringLiteral("/message"), QStringLiteral("hello"));
    setField(QStringLiteral("/count"), QStringLiteral("3"));
    m_tools->findChild<QPushButton*>(QStringLiteral("add:/tags"))->click();
    setField(QStringLiteral("/tags/0"), QStringLiteral("red"));
    auto* call = m_tools->findChild<QPushButton*>(QStringLiteral("callButton"));
    QVERIFY(call->isEnabled());
    QTest::mouseClick(call, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(resultShown(), 10000);
    const QString text = resultText();
    QVERIFY2(text.contains(QLatin1String("Succeeded")), qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("hello hello hello")), qPrintable(text));
    // structuredContent in a tree, and the outputSchema check.
    QVERIFY(m_tools->resultView()->findChild<QWidget*>(QStringLiteral("jsonTree")));
    auto* check = m_tools->resultView()->findChild<QLabel*>(QStringLiteral("schemaCheck"));
    QVERIFY(check);
    QVERIFY2(check->text().contains(QLatin1String("matches the output schema")), qPrintable(check->text()));
    // The call is in the history.
    auto* history = m_tools->findChild<QListView*>(QStringLiteral("historyList"));
    QCOMPARE(history->model()->rowCount(), 1);
    QVERIFY(history->model()->index(0, 0).data().toString().contains(QLatin1String("echo_structured")));
}

void TestToolsPage::requiredAndBadFieldsBlockTheCall()
{
    selectTool(QStringLiteral("docs"), QStringLiteral("echo_structured"));
    auto* call = m_tools->findChild<QPushButton*>(QStringLiteral("callButton"));
    auto* messageError = m_tools->findChild<QLabel*>(QStringLiteral("error:/message"));
    QVERIFY(messageError);
    QVERIFY(!call->isEnabled());
    QVERIFY(messageError->isVisible());
    QVERIFY(messageError->text().contains(QLatin1String("Required")));
    setField(QStringLiteral("/message"), QStringLiteral("x"));
    QVERIFY(call->isEnabled());
    QVERIFY(!messageError->isVisible());
    setField(QStringLiteral("/count"), QStringLiteral("many"));
    auto* countError = m_tools->findChild<QLabel*>(QStringLiteral("error:/count"));
    QVERIFY(countError->isVisible());
    QVERIFY2(countError->text().contains(QLatin1String("whole number")), qPrintable(countError->text()));
    QVERIFY(!call->isEnabled());
    setField(QStringLiteral("/count"), QStringLiteral("1000"));
    QVERIFY(countError->isVisible()); // above maximum 100, from the schema validator
    QVERIFY(!call->isEnabled());
    QVERIFY(!m_tools->callCurrentTool());
    setField(QStringLiteral("/count"), QStringLiteral("2"));
    QVERIFY(call->isEnabled());
}

void TestToolsPage::rawJsonEditorStaysInSyncAndFlagsInvalidJson()
{
    selectTool(QStringLiteral("docs"), QStringLiteral("echo_structured"));
    setField(QStringLiteral("/message"), QStringLiteral("from form"));
    auto* toggle = m_tools->findChild<QToolButton*>(QStringLiteral("rawToggle"));
    auto* call = m_tools->findChild<QPushButton*>(QStringLiteral("callButton"));
    toggle->click();
    QVERIFY(toggle->isChecked());
    RawJsonEditor* raw = m_tools->rawEditor();
    QVERIFY(raw->isVisible());
    QVERIFY2(raw->editor()->toPlainText().contains(QLatin1String("\"from form\"")),
        qPrintable(raw->editor()->toPlainText()));

    // Invalid JSON: flagged inline with line and column; no call; cannot go back to the form.
    raw->editor()->setPlainText(QStringLiteral("{\n  \"message\": \"x\"\n  \"count\": 2\n}"));
    auto* error = raw->findChild<QLabel*>(QStringLiteral("rawJsonError"));
    QVERIFY(error->isVisible());
    QVERIFY2(error->text().contains(QLatin1String("line 3")), qPrintable(error->text()));
    QVERIFY(!call->isEnabled());
    toggle->click();
    QVERIFY(toggle->isChecked());
    QVERIFY(raw->isVisible());
    // Not an object.
    raw->editor()->setPlainText(QStringLiteral("[1, 2]"));
    QVERIFY(error->isVisible());
    QVERIFY(error->text().contains(QLatin1String("object")));

    // Valid again: the form follows; schema mismatches are listed but do not block a raw call.
    raw->editor()->setPlainText(QStringLiteral("{\"message\": \"from raw\", \"count\": 2}"));
    QVERIFY(!error->isVisible());
    QCOMPARE(qobject_cast<QLineEdit*>(field(QStringLiteral("/message")))->text(), QStringLiteral("from raw"));
    QVERIFY(call->isEnabled());
    raw->editor()->setPlainText(QStringLiteral("{\"count\": 2, \"extra\": true}"));
    auto* issues = raw->findChild<QLabel*>(QStringLiteral("rawJsonIssues"));
    QVERIFY(issues->isVisible());
    QVERIFY2(issues->text().contains(QLatin1String("message")), qPrintable(issues->text()));
    QVERIFY(call->isEnabled());
    raw->editor()->setPlainText(QStringLiteral("{\"message\": \"back\", \"count\": 4}"));
    toggle->click();
    QVERIFY(!toggle->isChecked());
    QCOMPARE(qobject_cast<QLineEdit*>(field(QStringLiteral("/message")))->text(), QStringLiteral("back"));
    QCOMPARE(qobject_cast<QLineEdit*>(field(QStringLiteral("/count")))->text(), QStringLiteral("4"));
    QTest::mouseClick(call, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(resultShown(), 10000);
    QVERIFY2(resultText().contains(QLatin1String("back back back back")), qPrintable(resultText()));
}

void TestToolsPage::progressAndCancelOnTheSlowTool()
{
    selectTool(QStringLiteral("hr"), QStringLiteral("generate_report"));
    setField(QStringLiteral("/steps"), QStringLiteral("100"));
    setField(QStringLiteral("/step_ms"), QStringLiteral("60"));
    auto* progress = m_tools->findChild<QProgressBar*>(QStringLiteral("callProgress"));
    auto* cancel = m_tools->findChild<QPushButton*>(QStringLiteral("cancelButton"));
    auto* call = m_tools->findChild<QPushButton*>(QStringLiteral("callButton"));
    QVERIFY(m_tools->callCurrentTool());
    QVERIFY(m_tools->isCallRunning());
    QVERIFY(progress->isVisible());
    QVERIFY(cancel->isVisible());
    QVERIFY(!call->isEnabled());
    // Progress notifications move the bar.
    QTRY_VERIFY_WITH_TIMEOUT(progress->maximum() == 1000 && progress->value() >= 30, 10000);
    auto* message = m_tools->findChild<QLabel*>(QStringLiteral("progressMessage"));
    QVERIFY2(message->text().startsWith(QLatin1String("Step ")), qPrintable(message->text()));
    QTest::mouseClick(cancel, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!m_tools->isCallRunning(), 5000);
    QVERIFY(!progress->isVisible());
    QVERIFY(call->isEnabled());
    QVERIFY2(resultText().contains(QLatin1String("cancelled")), qPrintable(resultText()));
    const auto& history = m_manager->session(QStringLiteral("hr"))->history();
    QCOMPARE(history.last().outcome, CallRecord::Outcome::Cancelled);
    // The server saw notifications/cancelled (its audit log records the cancellation).
    bool recorded = false;
    QTRY_VERIFY_WITH_TIMEOUT((m_lab.run([&recorded](lab::Lab* l) {
        recorded = l->hr()->auditLog().dump().find("cancelled") != std::string::npos;
    }),
                                 recorded),
        5000);
}

void TestToolsPage::destructiveToolAsksFirst()
{
    selectTool(QStringLiteral("hr"), QStringLiteral("update_salary"));
    ServerSession* hr = m_manager->session(QStringLiteral("hr"));
    // Fill every required field with something.
    const json schema = hr->tool(QStringLiteral("update_salary")).value("inputSchema", json::object());
    for (const auto& r : schema.value("required", json::array())) {
        const QString name = QString::fromStdString(r.get<std::string>());
        const QString type
            = QString::fromStdString(schema["properties"][r.get<std::string>()].value("type", std::string("string")));
        setField(QLatin1Char('/') + name,
            type == QLatin1String("string") ? QStringLiteral("E1002") : QStringLiteral("90000"));
    }
    const auto before = hr->history().size();
    bool asked = false;
    test::whenModal<QMessageBox>([&asked](QMessageBox* box) {
        asked = box->objectName() == QLatin1String("confirmDestructive");
        box->reject();
    });
    QVERIFY(!m_tools->callCurrentTool());
    QVERIFY(asked);
    QCOMPARE(hr->history().size(), before);

    asked = false;
    test::whenModal<QMessageBox>([&asked](QMessageBox* box) {
        asked = true;
        box->findChild<QPushButton*>(QStringLiteral("confirmCall"))->click();
    });
    QVERIFY(m_tools->callCurrentTool());
    QVERIFY(asked);
    QTRY_VERIFY_WITH_TIMEOUT(resultShown(), 10000);
    QCOMPARE(hr->history().size(), before + 1);
}

void TestToolsPage::toolErrorIsShownAsAnError()
{
    selectTool(QStringLiteral("docs"), QStringLiteral("read_doc"));
    setField(QStringLiteral("/name"), QStringLiteral("no-such-page"));
    QVERIFY(m_tools->callCurrentTool());
    QTRY_VERIFY_WITH_TIMEOUT(resultShown(), 10000);
    auto* status = m_tools->resultView()->findChild<QLabel*>(QStringLiteral("resultStatus"));
    QVERIFY2(status->text().contains(QLatin1String("reported an error")), qPrintable(status->text()));
    QCOMPARE(m_manager->session(QStringLiteral("docs"))->history().last().outcome, CallRecord::Outcome::ToolError);
}

void TestToolsPage::tooLargeResultIsTruncatedWithShowAllAndSave()
{
    selectTool(QStringLiteral("docs"), QStringLiteral("large_result"));
    m_tools->resultView()->setTextLimit(50000);
    setField(QStringLiteral("/size"), QStringLiteral("300000"));
    QVERIFY(m_tools->callCurrentTool());
    QTRY_VERIFY_WITH_TIMEOUT(resultShown(), 15000);
    ContentView* view = m_tools->resultView();
    auto* note = view->findChild<QLabel*>(QStringLiteral("truncatedNote"));
    QVERIFY(note);
    QVERIFY2(note->text().contains(QLatin1String("50,000")) || note->text().contains(QLatin1String("50000")),
        qPrintable(note->text()));
    auto* text = view->findChild<QPlainTextEdit*>(QStringLiteral("textContent"));
    QCOMPARE(text->toPlainText().size(), 50000);
    auto* showAll = view->findChild<QPushButton*>(QStringLiteral("showAllButton"));
    QVERIFY(showAll);
    showAll->click();
    QCOMPARE(text->toPlainText().size(), 300000);
    QVERIFY(!showAll->isEnabled());

    const QString path = m_dir.filePath(QStringLiteral("large.txt"));
    test::whenModal<QFileDialog>([path](QFileDialog* dialog) {
        // The dialog's own file name field, as a user would type into it.
        dialog->findChild<QLineEdit*>(QStringLiteral("fileNameEdit"))->setText(path);
        static_cast<QDialog*>(dialog)->accept();
    });
    view->findChild<QPushButton*>(QStringLiteral("saveAllButton"))->click();
    QFile saved(path);
    QVERIFY(saved.open(QIODevice::ReadOnly));
    QCOMPARE(saved.size(), 300000);
}

void TestToolsPage::mediaResultRendersEveryContentType()
{
    selectTool(QStringLiteral("docs"), QStringLiteral("media_sampler"));
    QVERIFY(m_tools->callCurrentTool());
    QTRY_VERIFY_WITH_TIMEOUT(resultShown(), 10000);
    ContentView* view = m_tools->resultView();
    auto* image = view->findChild<QLabel*>(QStringLiteral("imageContent"));
    QVERIFY(image);
    QVERIFY(!image->pixmap().isNull());
    QVERIFY(view->findChild<QLabel*>(QStringLiteral("audioInfo")));
    QVERIFY(view->findChild<QPushButton*>(QStringLiteral("saveAudioButton")));
    auto* link = view->findChild<QLabel*>(QStringLiteral("linkUri"));
    QVERIFY(link);
    QVERIFY(view->findChild<QPlainTextEdit*>(QStringLiteral("hexPreview"))); // embedded binary resource
    // A resource link opens the Resources page and reads it there.
    view->findChild<QPushButton*>(QStringLiteral("openLinkButton"))->click();
    QCOMPARE(m_window->currentPage(), MainWindow::Page::Resources);
    auto* resources = m_window->findChild<QWidget*>(QStringLiteral("resourcesPage"));
    QTRY_VERIFY_WITH_TIMEOUT(
        resources->findChild<QLabel*>(QStringLiteral("resourceUri"))->text() == link->text(), 5000);
}

void TestToolsPage::elicitationDialogNamesTheServer()
{
    selectTool(QStringLiteral("hr"), QStringLiteral("request_time_off"));
    QVERIFY(m_tools->callCurrentTool());
    ElicitationDialog* dialog = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((dialog = test::visibleTopLevel<ElicitationDialog>()) != nullptr, 10000);
    QVERIFY(dialog->findChild<QLabel*>(QStringLiteral("elicitationServer"))->text().contains(QLatin1String("\"hr\"")));
    QVERIFY(dialog->windowTitle().contains(QLatin1String("hr")));
    auto* accept = dialog->findChild<QPushButton*>(QStringLiteral("elicitationAccept"));
    QVERIFY(!accept->isEnabled()); // the start date is required
    qobject_cast<QLineEdit*>(dialog->form()->control(QStringLiteral("/start_date")))
        ->setText(QStringLiteral("2026-12-21"));
    QWidget* days = dialog->form()->control(QStringLiteral("/days"));
    if (auto* spin = qobject_cast<QSpinBox*>(days))
        spin->setValue(3);
    else
        qobject_cast<QLineEdit*>(days)->setText(QStringLiteral("3"));
    QVERIFY(accept->isEnabled());
    accept->click();
    QTRY_VERIFY_WITH_TIMEOUT(resultShown(), 10000);
    QVERIFY2(
        resultText().contains(QLatin1String("Time off requested: 3 day(s) from 2026-12-21")), qPrintable(resultText()));

    // Declining is an answer too.
    QVERIFY(m_tools->callCurrentTool());
    QTRY_VERIFY_WITH_TIMEOUT((dialog = test::visibleTopLevel<ElicitationDialog>()) != nullptr, 10000);
    dialog->findChild<QPushButton*>(QStringLiteral("elicitationDecline"))->click();
    QTRY_VERIFY_WITH_TIMEOUT(resultShown(), 10000);
    QVERIFY2(resultText().contains(QLatin1String("you chose decline")), qPrintable(resultText()));
}

void TestToolsPage::historyRerun()
{
    selectTool(QStringLiteral("docs"), QStringLiteral("echo_structured"));
    setField(QStringLiteral("/message"), QStringLiteral("again"));
    QVERIFY(m_tools->callCurrentTool());
    QTRY_VERIFY_WITH_TIMEOUT(resultShown(), 10000);
    // Select another tool, then re-run the first call from the history.
    m_tools->selectTool(QStringLiteral("media_sampler"));
    auto* history = m_tools->findChild<QListView*>(QStringLiteral("historyList"));
    history->setCurrentIndex(history->model()->index(0, 0));
    m_tools->findChild<QPushButton*>(QStringLiteral("rerunButton"))->click();
    QCOMPARE(m_tools->currentToolName(), QStringLiteral("echo_structured"));
    QTRY_VERIFY_WITH_TIMEOUT(history->model()->rowCount() == 2 && resultShown(), 10000);
    QVERIFY2(resultText().contains(QLatin1String("\"again\"")), qPrintable(resultText()));
}

void TestToolsPage::keyboardShortcuts()
{
    selectTool(QStringLiteral("docs"), QStringLiteral("echo_structured"));
    m_window->showPage(MainWindow::Page::Activity);
    m_window->activateWindow();
    QTest::keyClick(m_window, Qt::Key_K, Qt::ControlModifier);
    QCOMPARE(m_window->currentPage(), MainWindow::Page::Tools);
    QTRY_VERIFY(m_tools->findChild<QLineEdit*>(QStringLiteral("toolSearch"))->hasFocus());
    setField(QStringLiteral("/message"), QStringLiteral("keys"));
    QTest::keyClick(field(QStringLiteral("/message")), Qt::Key_Return, Qt::ControlModifier);
    QTRY_VERIFY_WITH_TIMEOUT(resultShown(), 10000);
    QVERIFY2(resultText().contains(QLatin1String("\"keys\"")), qPrintable(resultText()));
    // F5 refreshes the lists (tools/list goes out again).
    ServerSession* docs = m_manager->session(QStringLiteral("docs"));
    QSignalSpy refreshed(docs, &ServerSession::toolsChanged);
    QTest::keyClick(m_window, Qt::Key_F5);
    QTRY_VERIFY(refreshed.count() >= 1);
}

QTEST_MAIN(TestToolsPage)
#include "TestToolsPage.moc"
