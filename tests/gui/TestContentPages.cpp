// SPDX-License-Identifier: MIT
// Resources, templates, prompts and the activity inspector, end to end against lanyard-lab:
// read and render text/JSON/image/binary, fill a template with completion/complete suggestions,
// subscribe and see updates, get a prompt, inspect and export the traffic.
#include "ActivityPage.h"
#include "ContentView.h"
#include "GuiTestSupport.h"
#include "Icons.h"
#include "MainWindow.h"
#include "PromptsPage.h"
#include "ResourcesPage.h"
#include "session/SessionManager.h"

#include <QAbstractItemModel>
#include <QComboBox>
#include <QCompleter>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeView>

#include <algorithm>

using namespace lanyard;

class TestContentPages : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanup();
    void readsAndRendersEachKindOfResource_data();
    void readsAndRendersEachKindOfResource();
    void templateWithCompletion();
    void subscriptionShowsUpdates();
    void promptWithRequiredArgument();
    void activityInspectorFiltersAndExports();

private:
    bool selectResource(const QString& titleContains);
    QString contentText() const;

    test::LabThread m_lab;
    QTemporaryDir m_dir;
    QString m_configPath;
    SessionManager* m_manager = nullptr;
    MainWindow* m_window = nullptr;
};

void TestContentPages::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    ui::initResources();
    lab::LabOptions options;
    options.benchTools = 1;
    QString error;
    QVERIFY2(m_lab.start(options, &error), qPrintable(error));
    m_configPath = m_dir.filePath(QStringLiteral("lanyard.json"));
    QVERIFY(m_lab.writeConfig(m_configPath));
}

void TestContentPages::init()
{
    m_manager = new SessionManager();
    Error error;
    QVERIFY(m_manager->load(m_configPath, &error));
    m_window = new MainWindow(m_manager);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window));
    m_manager->connectAll();
    QTRY_VERIFY_WITH_TIMEOUT(
        std::all_of(m_manager->sessions().cbegin(), m_manager->sessions().cend(),
            [](ServerSession* s) { return s->state() == ServerSession::State::Connected && !s->isRefreshing(); }),
        15000);
}

void TestContentPages::cleanup()
{
    delete m_window;
    m_window = nullptr;
    delete m_manager;
    m_manager = nullptr;
}

bool TestContentPages::selectResource(const QString& titleContains)
{
    auto* tree = m_window->resourcesPage()->findChild<QTreeView*>(QStringLiteral("resourceTree"));
    QAbstractItemModel* model = tree->model();
    for (int r = 0; r < model->rowCount(); ++r) {
        const QModelIndex root = model->index(r, 0);
        for (int c = 0; c < model->rowCount(root); ++c) {
            const QModelIndex i = model->index(c, 0, root);
            if (i.data(Qt::ToolTipRole).toString().contains(titleContains)) {
                tree->setCurrentIndex(i);
                return true;
            }
        }
    }
    return false;
}

QString TestContentPages::contentText() const
{
    return m_window->resourcesPage()->contentView()->shownText();
}

void TestContentPages::readsAndRendersEachKindOfResource_data()
{
    QTest::addColumn<QString>("resource");
    QTest::addColumn<QString>("widget");
    QTest::addColumn<QString>("text");
    QTest::newRow("markdown text") << "docs://guide.md"
                                   << "textContent"
                                   << "Read in";
    QTest::newRow("JSON as a tree") << "docs://config.json"
                                    << "jsonTree"
                                    << "Read in";
    QTest::newRow("image") << "image/png"
                           << "imageContent"
                           << "px";
    QTest::newRow("binary with hex preview") << "octet-stream"
                                             << "hexPreview"
                                             << "application/octet-stream";
}

void TestContentPages::readsAndRendersEachKindOfResource()
{
    QFETCH(QString, resource);
    QFETCH(QString, widget);
    QFETCH(QString, text);
    QVERIFY(m_window->selectServer(QStringLiteral("docs")));
    m_window->showPage(MainWindow::Page::Resources);
    // Resource tooltips carry the name, the URI and the description; the MIME type is in the details.
    bool selected = selectResource(resource);
    if (!selected) {
        const json& resources = m_manager->session(QStringLiteral("docs"))->resources();
        for (const auto& r : resources) {
            if (qs(r, "mimeType").contains(resource))
                selected = selectResource(qs(r, "uri"));
        }
    }
    QVERIFY2(selected, qPrintable(resource));
    ResourcesPage* page = m_window->resourcesPage();
    page->findChild<QPushButton*>(QStringLiteral("readButton"))->click();
    ContentView* view = page->contentView();
    QTRY_VERIFY_WITH_TIMEOUT(view->findChild<QLabel*>(QStringLiteral("resultStatus")), 10000);
    QVERIFY2(view->findChild<QWidget*>(widget), qPrintable(widget));
    QVERIFY2(contentText().contains(text), qPrintable(contentText()));
}

void TestContentPages::templateWithCompletion()
{
    QVERIFY(m_window->selectServer(QStringLiteral("docs")));
    m_window->showPage(MainWindow::Page::Resources);
    auto* tree = m_window->resourcesPage()->findChild<QTreeView*>(QStringLiteral("resourceTree"));
    const QModelIndex templates = tree->model()->index(1, 0);
    QVERIFY(tree->model()->rowCount(templates) >= 1);
    tree->setCurrentIndex(tree->model()->index(0, 0, templates));
    auto* name = m_window->findChild<QLineEdit*>(QStringLiteral("templateVar:name"));
    QVERIFY(name);
    auto* read = m_window->resourcesPage()->findChild<QPushButton*>(QStringLiteral("readButton"));
    QVERIFY(!read->isEnabled()); // the variable is empty
    name->setFocus();
    QTest::keyClicks(name, QStringLiteral("get"));
    // completion/complete answers (debounced) fill the completer.
    QCompleter* completer = name->completer();
    QVERIFY(completer);
    QTRY_VERIFY_WITH_TIMEOUT(completer->model()->rowCount() > 0, 5000);
    QStringList values;
    for (int r = 0; r < completer->model()->rowCount(); ++r)
        values << completer->model()->index(r, 0).data().toString();
    QVERIFY2(values.contains(QStringLiteral("getting-started")), qPrintable(values.join(QLatin1Char(','))));
    name->setText(QStringLiteral("getting-started"));
    auto* uri = m_window->findChild<QLabel*>(QStringLiteral("resourceUri"));
    QCOMPARE(uri->text(), QStringLiteral("docs://pages/getting-started"));
    QVERIFY(read->isEnabled());
    read->click();
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->resourcesPage()->contentView()->findChild<QLabel*>(QStringLiteral("resultStatus")), 10000);
    QVERIFY2(contentText().contains(QLatin1String("Getting started")), qPrintable(contentText()));
}

void TestContentPages::subscriptionShowsUpdates()
{
    QVERIFY(m_window->selectServer(QStringLiteral("docs")));
    m_window->showPage(MainWindow::Page::Resources);
    QVERIFY(selectResource(QStringLiteral("docs://guide.md")));
    auto* subscribe = m_window->resourcesPage()->findChild<QPushButton*>(QStringLiteral("subscribeButton"));
    QVERIFY(subscribe->isEnabled());
    subscribe->click();
    ServerSession* docs = m_manager->session(QStringLiteral("docs"));
    QTRY_VERIFY_WITH_TIMEOUT(docs->isSubscribed(QStringLiteral("docs://guide.md")), 5000);
    QTRY_VERIFY(subscribe->isChecked());
    m_lab.run([](lab::Lab* l) { l->docs()->notifyResourceUpdated(QStringLiteral("docs://guide.md")); });
    auto* updates = m_window->findChild<QListWidget*>(QStringLiteral("updatesList"));
    QTRY_VERIFY_WITH_TIMEOUT(updates->count() == 1, 5000);
    QVERIFY(updates->item(0)->text().contains(QLatin1String("docs://guide.md")));
    // The resource shown is read again on its own.
    QTRY_VERIFY_WITH_TIMEOUT(
        m_window->resourcesPage()->contentView()->findChild<QLabel*>(QStringLiteral("resultStatus")), 5000);
}

void TestContentPages::promptWithRequiredArgument()
{
    QVERIFY(m_window->selectServer(QStringLiteral("hr")));
    m_window->showPage(MainWindow::Page::Prompts);
    PromptsPage* page = m_window->promptsPage();
    QVERIFY(page->selectPrompt(QStringLiteral("performance_review")));
    auto* get = page->findChild<QPushButton*>(QStringLiteral("getPromptButton"));
    QVERIFY(!get->isEnabled()); // employee_id is required
    auto* id = page->findChild<QLineEdit*>(QStringLiteral("promptArg:employee_id"));
    QVERIFY(id);
    QVERIFY(id->accessibleName().contains(QLatin1String("required")));
    id->setText(QStringLiteral("E1003"));
    QVERIFY(get->isEnabled());
    get->click();
    QTRY_VERIFY_WITH_TIMEOUT(page->contentView()->findChild<QLabel*>(QStringLiteral("resultStatus")), 10000);
    QVERIFY2(page->contentView()->shownText().contains(QLatin1String("Carol")),
        qPrintable(page->contentView()->shownText()));
    // An unknown employee: the server's refusal is shown in Lanyard's words.
    id->setText(QStringLiteral("E9999"));
    get->click();
    QTRY_VERIFY_WITH_TIMEOUT(page->contentView()->findChild<QLabel*>(QStringLiteral("resultError")), 10000);
    QVERIFY(page->contentView()
                ->findChild<QLabel*>(QStringLiteral("resultError"))
                ->text()
                .startsWith(QLatin1String("Could not get the prompt")));
}

void TestContentPages::activityInspectorFiltersAndExports()
{
    QVERIFY(m_window->selectServer(QStringLiteral("hr")));
    m_window->showPage(MainWindow::Page::Activity);
    ActivityPage* page = m_window->activityPage();
    auto* table = page->findChild<QTableView*>(QStringLiteral("trafficTable"));
    QTRY_VERIFY_WITH_TIMEOUT(table->model()->rowCount() >= 4, 5000); // initialize, lists, ...
    const int all = page->visibleRowCount();
    // The JSON-RPC method names are in the summaries, timing on the answers.
    bool sawInitialize = false;
    bool sawDuration = false;
    for (int r = 0; r < table->model()->rowCount(); ++r) {
        sawInitialize
            = sawInitialize || table->model()->index(r, 3).data().toString().contains(QLatin1String("initialize"));
        sawDuration = sawDuration || table->model()->index(r, 4).data().toString().endsWith(QLatin1String("ms"));
    }
    QVERIFY(sawInitialize);
    QVERIFY(sawDuration);
    auto* filter = page->findChild<QLineEdit*>(QStringLiteral("trafficFilter"));
    filter->setText(QStringLiteral("tools/list"));
    QVERIFY(page->visibleRowCount() >= 1);
    QVERIFY(page->visibleRowCount() < all);
    table->selectRow(0);
    auto* detail = page->findChild<QPlainTextEdit*>(QStringLiteral("trafficDetail"));
    QVERIFY2(detail->toPlainText().contains(QLatin1String("tools/list")), qPrintable(detail->toPlainText()));
    const QString path = m_dir.filePath(QStringLiteral("traffic.json"));
    QString error;
    QVERIFY2(page->exportTo(path, &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    const json doc = json::parse(bytes.constBegin(), bytes.constEnd(), nullptr, false);
    QVERIFY(doc.is_array());
    QCOMPARE(int(doc.size()), page->visibleRowCount());
    QVERIFY(doc[0].contains("summary") && doc[0].contains("time") && doc[0].contains("body"));
    filter->clear();
    QCOMPARE(page->visibleRowCount(), all);
    page->findChild<QComboBox*>(QStringLiteral("trafficKind"))->setCurrentIndex(2); // stdio only: none here
    QCOMPARE(page->visibleRowCount(), 0);
}

QTEST_MAIN(TestContentPages)
#include "TestContentPages.moc"
