// SPDX-License-Identifier: MIT
// Servers and settings: a configuration that fails to load is reported and never overwritten; the
// server dialog validates as you type with the configuration file's rules; add/edit/remove save the
// file (unknown keys kept); import from VS Code, Claude Desktop and Cursor; export.
#include "GuiTestSupport.h"
#include "Icons.h"
#include "ImportDialog.h"
#include "MainWindow.h"
#include "MessageBar.h"
#include "ServerDialog.h"
#include "session/SessionManager.h"

#include "lanyard/Version.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace lanyard;

namespace {

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

void writeAll(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(bytes);
}

json fileJson(const QString& path)
{
    const QByteArray bytes = readAll(path);
    return json::parse(bytes.constBegin(), bytes.constEnd(), nullptr, false);
}

} // namespace

class TestServersAndConfig : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void configThatFailsToLoadIsReportedAndUntouched_data();
    void configThatFailsToLoadIsReportedAndUntouched();
    void missingConfigStartsEmptyAndIsCreatedOnSave();
    void serverDialogValidatesAsYouType();
    void serverDialogStdioArguments();
    void addEditRemoveThroughTheWindowSaveTheFile();
    void importFromOtherClients_data();
    void importFromOtherClients();
    void importThroughTheWindow();
    void exportRoundTrips();
    void aboutShowsTheVersion();
    void windowStateIsRemembered();

private:
    QTemporaryDir m_dir;
};

void TestServersAndConfig::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    ui::initResources();
    QVERIFY(m_dir.isValid());
}

void TestServersAndConfig::configThatFailsToLoadIsReportedAndUntouched_data()
{
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("not JSON") << QByteArray(
        "{\n  \"servers\": [\n    {\"name\": \"a\" \"url\": \"http://x\"}\n  ]\n}\n")
                              << QStringLiteral("line 3");
    QTest::newRow("bad URL") << QByteArray(R"({"servers": [{"name": "a", "url": "ftp:\/\/example.com"}]})")
                             << QStringLiteral("http(s)");
    QTest::newRow("secret in the file") << QByteArray(
        R"({"servers": [{"name": "a", "url": "https:\/\/example.com\/mcp", "headers": {"Authorization": "Bearer x"}}]})")
                                        << QStringLiteral("secrets");
}

void TestServersAndConfig::configThatFailsToLoadIsReportedAndUntouched()
{
    QFETCH(QByteArray, content);
    QFETCH(QString, mentions);
    const QString path = m_dir.filePath(
        QStringLiteral("broken-%1.json").arg(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('-')));
    writeAll(path, content);
    const QDateTime modified = QFileInfo(path).lastModified();

    SessionManager manager;
    Error error;
    QVERIFY(!manager.load(path, &error));
    QVERIFY(error.message.contains(path));
    QVERIFY2(error.message.contains(mentions), qPrintable(error.message));
    QVERIFY(!manager.canSave());
    QCOMPARE(manager.count(), 0);

    MainWindow window(&manager);
    window.showConfigError(error);
    window.show();
    MessageBar* bar = window.messageBar();
    QVERIFY(bar->isVisible());
    QVERIFY2(bar->text().contains(QLatin1String("could not load its configuration")), qPrintable(bar->text()));
    QVERIFY(bar->text().contains(mentions));
    QVERIFY(!window.findChild<QToolButton*>(QStringLiteral("addServerButton"))->isEnabled());
    // Other messages do not replace it.
    window.showMessage(QStringLiteral("something else"));
    QVERIFY(bar->text().contains(QLatin1String("could not load")));

    // Even a direct attempt to change it is refused, and the file stays byte for byte the same.
    ServerConfig s;
    s.name = QStringLiteral("new");
    s.url = QUrl(QStringLiteral("https://example.com/mcp"));
    Error saveError;
    QVERIFY(!manager.addServer(s, &saveError));
    QVERIFY2(saveError.message.contains(QLatin1String("untouched")), qPrintable(saveError.message));
    window.addServer(); // no dialog: the action is refused
    QCOMPARE(readAll(path), content);
    QCOMPARE(QFileInfo(path).lastModified(), modified);
    QVERIFY(!QFileInfo::exists(path + QStringLiteral(".bak")));
}

void TestServersAndConfig::missingConfigStartsEmptyAndIsCreatedOnSave()
{
    const QString path = m_dir.filePath(QStringLiteral("sub/dir/new.json"));
    SessionManager manager;
    Error error;
    QVERIFY(manager.load(path, &error));
    QCOMPARE(manager.count(), 0);
    QVERIFY(manager.canSave());
    ServerConfig s;
    s.name = QStringLiteral("first");
    s.url = QUrl(QStringLiteral("https://example.com/mcp"));
    QVERIFY2(manager.addServer(s, &error), qPrintable(error.message));
    const json doc = fileJson(path);
    QCOMPARE(QString::fromStdString(doc["servers"][0]["name"].get<std::string>()), QStringLiteral("first"));
}

void TestServersAndConfig::serverDialogValidatesAsYouType()
{
    const QString path = m_dir.filePath(QStringLiteral("dialog.json"));
    writeAll(path, R"({"servers": [{"name": "hr", "url": "http:\/\/127.0.0.1:1\/mcp"}]})");
    SessionManager manager;
    Error error;
    QVERIFY(manager.load(path, &error));
    ServerDialog dialog(&manager, nullptr);
    dialog.show();
    auto* ok = dialog.findChild<QPushButton*>(QStringLiteral("serverDialogOk"));
    auto* label = dialog.findChild<QLabel*>(QStringLiteral("validationLabel"));
    auto* name = dialog.findChild<QLineEdit*>(QStringLiteral("serverName"));
    auto* url = dialog.findChild<QLineEdit*>(QStringLiteral("serverUrl"));
    auto* headers = dialog.findChild<QPlainTextEdit*>(QStringLiteral("serverHeaders"));
    auto* auth = dialog.findChild<QComboBox*>(QStringLiteral("authCombo"));
    auto* env = dialog.findChild<QLineEdit*>(QStringLiteral("authEnv"));
    QVERIFY(ok && label && name && url && headers && auth && env);
    QVERIFY(!ok->isEnabled());

    QTest::keyClicks(name, QStringLiteral("my server"));
    QVERIFY(!ok->isEnabled());
    QVERIFY2(label->text().contains(QLatin1String("not a usable name")), qPrintable(label->text()));
    name->setText(QStringLiteral("hr"));
    url->setText(QStringLiteral("https://example.com/mcp"));
    QVERIFY2(label->text().contains(QLatin1String("already exists")), qPrintable(label->text()));
    name->setText(QStringLiteral("payments"));
    url->clear();
    QVERIFY2(label->text().contains(QLatin1String("url")), qPrintable(label->text()));
    QTest::keyClicks(url, QStringLiteral("ftp://example.com"));
    QVERIFY2(label->text().contains(QLatin1String("http(s)")), qPrintable(label->text()));
    url->setText(QStringLiteral("https://example.com/mcp"));
    QVERIFY(ok->isEnabled());
    QCOMPARE(label->text(), QStringLiteral("Looks good."));

    headers->setPlainText(QStringLiteral("X-Team payments"));
    QVERIFY(!ok->isEnabled());
    QVERIFY2(label->text().contains(QLatin1String("Name: value")), qPrintable(label->text()));
    headers->setPlainText(QStringLiteral("Authorization: Bearer abc"));
    QVERIFY(!ok->isEnabled());
    QVERIFY2(label->text().contains(QLatin1String("secrets")), qPrintable(label->text()));
    headers->setPlainText(QStringLiteral("X-Team: payments"));
    QVERIFY(ok->isEnabled());

    auth->setCurrentIndex(auth->findData(QStringLiteral("bearer")));
    QVERIFY(env->isVisible());
    QVERIFY(!ok->isEnabled());
    QVERIFY2(label->text().contains(QLatin1String("env")), qPrintable(label->text()));
    env->setText(QStringLiteral("PAYMENTS_TOKEN"));
    QVERIFY(ok->isEnabled());

    const ServerConfig s = dialog.server();
    QCOMPARE(s.name, QStringLiteral("payments"));
    QCOMPARE(s.auth.type, QStringLiteral("bearer"));
    QCOMPARE(s.auth.env, QStringLiteral("PAYMENTS_TOKEN"));
    QCOMPARE(s.headers.size(), 1);
    QCOMPARE(s.headers.first().first, QByteArray("X-Team"));
}

void TestServersAndConfig::serverDialogStdioArguments()
{
    SessionManager manager;
    ServerDialog dialog(&manager, nullptr);
    dialog.findChild<QLineEdit*>(QStringLiteral("serverName"))->setText(QStringLiteral("local"));
    dialog.findChild<QComboBox*>(QStringLiteral("transportCombo"))->setCurrentIndex(1);
    QVERIFY(!dialog.isValid());
    dialog.findChild<QLineEdit*>(QStringLiteral("serverCommand"))->setText(QStringLiteral("node"));
    dialog.findChild<QLineEdit*>(QStringLiteral("serverArgs"))->setText(QStringLiteral("server.js --name \"a b\""));
    dialog.findChild<QPlainTextEdit*>(QStringLiteral("serverEnv"))->setPlainText(QStringLiteral("LOG=debug"));
    QVERIFY2(dialog.isValid(), qPrintable(dialog.validationMessage()));
    const ServerConfig s = dialog.server();
    QVERIFY(s.isStdio());
    QCOMPARE(s.args, (QStringList { QStringLiteral("server.js"), QStringLiteral("--name"), QStringLiteral("a b") }));
    QCOMPARE(s.env.value(QStringLiteral("LOG")), QStringLiteral("debug"));
    // Editing keeps the quoting.
    ServerDialog edit(&manager, &s);
    QCOMPARE(edit.server().args, s.args);
}

void TestServersAndConfig::addEditRemoveThroughTheWindowSaveTheFile()
{
    const QString path = m_dir.filePath(QStringLiteral("window.json"));
    writeAll(path,
        R"({"x-team-note": "keep me", "servers": [{"name": "hr", "url": "http:\/\/127.0.0.1:1\/mcp", "x-extra": 7}]})");
    SessionManager manager;
    Error error;
    QVERIFY(manager.load(path, &error));
    MainWindow window(&manager);
    window.show();

    test::whenModal<ServerDialog>([](ServerDialog* d) {
        d->findChild<QLineEdit*>(QStringLiteral("serverName"))->setText(QStringLiteral("docs"));
        d->findChild<QLineEdit*>(QStringLiteral("serverUrl"))->setText(QStringLiteral("http://127.0.0.1:2/mcp"));
        d->findChild<QPushButton*>(QStringLiteral("serverDialogOk"))->click();
    });
    window.addServer();
    QCOMPARE(manager.count(), 2);
    json doc = fileJson(path);
    QVERIFY(doc["servers"].size() == 2);
    QVERIFY(doc["x-team-note"] == json("keep me"));
    QVERIFY(QFileInfo::exists(path + QStringLiteral(".bak")));
    QCOMPARE(window.currentSession()->name(), QStringLiteral("docs"));

    QVERIFY(window.selectServer(QStringLiteral("hr")));
    test::whenModal<ServerDialog>([](ServerDialog* d) {
        d->findChild<QLineEdit*>(QStringLiteral("serverUrl"))->setText(QStringLiteral("http://127.0.0.1:3/mcp"));
        d->findChild<QPushButton*>(QStringLiteral("serverDialogOk"))->click();
    });
    window.editServer();
    doc = fileJson(path);
    QVERIFY(doc["servers"][0]["url"] == json("http://127.0.0.1:3/mcp"));
    QVERIFY(doc["servers"][0]["x-extra"] == json(7)); // settings the dialog does not show are kept

    bool asked = false;
    test::whenModal<QMessageBox>([&asked](QMessageBox* box) {
        asked = box->objectName() == QLatin1String("confirmRemove");
        box->findChild<QPushButton*>(QStringLiteral("confirmRemoveButton"))->click();
    });
    window.removeServer();
    QVERIFY(asked);
    QCOMPARE(manager.count(), 1);
    doc = fileJson(path);
    QVERIFY(doc["servers"].size() == 1);
    QVERIFY(doc["servers"][0]["name"] == json("docs"));
}

void TestServersAndConfig::importFromOtherClients_data()
{
    QTest::addColumn<QString>("fileName");
    QTest::addColumn<QByteArray>("content");
    QTest::addColumn<QString>("format");
    QTest::addColumn<QStringList>("names");
    QTest::addColumn<QString>("note");

    QTest::newRow("VS Code mcp.json") << "mcp.json" << QByteArray(R"({"inputs": [], "servers": {
            "github": {"type": "http", "url": "https:\/\/api.example.com\/mcp", "headers": {"Authorization": "Bearer ${input:token}", "X-Org": "acme"}},
            "files": {"type": "stdio", "command": "npx", "args": ["-y", "server-files", "${workspaceFolder}"]}}})")
                                      << "VS Code" << QStringList { "files", "github" } << "Authorization";
    QTest::newRow("Claude Desktop")
        << "claude_desktop_config.json"
        << QByteArray(R"({"mcpServers": {"my files": {"command": "node", "args": ["srv.js"], "env": {"A": "1"}},
            "hr": {"command": "uvx", "args": ["hr-server"]}}})")
        << "Claude Desktop" << QStringList { "hr-2", "my-files" } << "imported as";
    QTest::newRow("Cursor")
        << ".cursor/mcp.json"
        << QByteArray(R"({"mcpServers": {"remote": {"url": "https:\/\/mcp.example.com\/sse", "type": "sse"}}})")
        << "Cursor" << QStringList { "remote" } << "SSE";
    QTest::newRow("Lanyard file")
        << "lanyard.json"
        << QByteArray(R"({"servers": [{"name": "x", "url": "https:\/\/x.example.com\/mcp"}, {"name": "bad"}]})")
        << "Lanyard" << QStringList { "x" } << "Skipped";
}

void TestServersAndConfig::importFromOtherClients()
{
    QFETCH(QString, fileName);
    QFETCH(QByteArray, content);
    QFETCH(QString, format);
    QFETCH(QStringList, names);
    QFETCH(QString, note);
    Error error;
    const auto found
        = SessionManager::parseImport(content, QStringLiteral("/home/u/") + fileName, { QStringLiteral("hr") }, &error);
    QVERIFY2(found.has_value(), qPrintable(error.message));
    QCOMPARE(found->format, format);
    QStringList got;
    for (const auto& s : found->servers)
        got << s.name;
    got.sort();
    QCOMPARE(got, names);
    QVERIFY2(found->notes.join(QLatin1Char(' ')).contains(note), qPrintable(found->notes.join(QLatin1Char('|'))));
    for (const auto& s : found->servers) {
        for (const auto& h : s.headers)
            QVERIFY(h.first.compare("Authorization", Qt::CaseInsensitive) != 0);
    }
}

void TestServersAndConfig::importThroughTheWindow()
{
    const QString path = m_dir.filePath(QStringLiteral("import-target.json"));
    writeAll(path, R"({"servers": []})");
    const QString source = m_dir.filePath(QStringLiteral("mcp.json"));
    writeAll(source, R"({"servers": {"one": {"type": "http", "url": "https:\/\/one.example.com\/mcp"},
                                      "two": {"type": "http", "url": "https:\/\/two.example.com\/mcp"}}})");
    SessionManager manager;
    Error error;
    QVERIFY(manager.load(path, &error));
    MainWindow window(&manager);
    test::whenModal<ImportDialog>(
        [](ImportDialog* d) { d->findChild<QPushButton*>(QStringLiteral("importOk"))->click(); });
    window.importFrom(source);
    QCOMPARE(manager.count(), 2);
    QVERIFY(fileJson(path)["servers"].size() == 2);
    QVERIFY(window.messageBar()->text().contains(QLatin1String("Imported 2 servers")));

    // Not a server list: a plain-language message, nothing added.
    const QString junk = m_dir.filePath(QStringLiteral("junk.json"));
    writeAll(junk, R"({"editor.fontSize": 12})");
    window.importFrom(junk);
    QCOMPARE(manager.count(), 2);
    QVERIFY2(window.messageBar()->text().contains(QLatin1String("nothing to import")),
        qPrintable(window.messageBar()->text()));
}

void TestServersAndConfig::exportRoundTrips()
{
    Config config;
    ServerConfig http;
    http.name = QStringLiteral("web");
    http.url = QUrl(QStringLiteral("https://web.example.com/mcp"));
    http.headers.append(qMakePair(QByteArray("X-Team"), QByteArray("blue")));
    ServerConfig stdio;
    stdio.name = QStringLiteral("local");
    stdio.command = QStringLiteral("node");
    stdio.args = { QStringLiteral("a b.js") };
    config.servers = { http, stdio };
    SessionManager manager;
    manager.setConfig(config);

    for (const json& doc : { manager.exportDocument(), manager.exportVsCode() }) {
        Error error;
        const auto back = SessionManager::parseImport(dumpJson(doc), QStringLiteral("export.json"), {}, &error);
        QVERIFY2(back.has_value(), qPrintable(error.message));
        QCOMPARE(back->servers.size(), 2);
        for (const auto& s : back->servers) {
            if (s.name == QLatin1String("web")) {
                QCOMPARE(s.url, http.url);
                QCOMPARE(s.headers.size(), 1);
            } else {
                QCOMPARE(s.name, QStringLiteral("local"));
                QCOMPARE(s.args, stdio.args);
            }
        }
    }
}

void TestServersAndConfig::aboutShowsTheVersion()
{
    SessionManager manager;
    MainWindow window(&manager);
    QString text;
    test::whenModal<QMessageBox>([&text](QMessageBox* box) {
        text = box->text() + QLatin1Char(' ') + box->informativeText();
        box->accept();
    });
    window.about();
    QVERIFY2(text.contains(QLatin1String(LANYARD_VERSION)), qPrintable(text));
    QVERIFY(text.contains(QLatin1String(LANYARD_GIT_REVISION)));
}

void TestServersAndConfig::windowStateIsRemembered()
{
    const QString path = m_dir.filePath(QStringLiteral("settings.json"));
    writeAll(path,
        R"({"servers": [{"name": "a", "url": "http:\/\/127.0.0.1:1\/mcp"}, {"name": "b", "url": "http:\/\/127.0.0.1:2\/mcp"}]})");
    {
        SessionManager manager;
        Error error;
        QVERIFY(manager.load(path, &error));
        MainWindow window(&manager);
        window.show();
        window.resize(1111, 777);
        QVERIFY(window.selectServer(QStringLiteral("b")));
        window.showPage(MainWindow::Page::Activity);
        window.close(); // saves
    }
    SessionManager manager;
    Error error;
    QVERIFY(manager.load(path, &error));
    MainWindow window(&manager);
    window.restoreSettings();
    QCOMPARE(window.currentSession()->name(), QStringLiteral("b"));
    QCOMPARE(window.currentPage(), MainWindow::Page::Activity);
    QCOMPARE(window.size(), QSize(1111, 777));
}

QTEST_MAIN(TestServersAndConfig)
#include "TestServersAndConfig.moc"
