// SPDX-License-Identifier: MIT
// The identity side of the desktop app, driven through the real widgets against the identity lab
// in-process (Entra-like IdP, RFC 8693 token service, the HR server taking exchanged tokens, the
// docs server taking Entra tokens): sign in with the account button (the test plays the browser),
// the waiting dialog, the signed-in card; the Identity page for a token-exchange server (both
// tokens decoded, aud differing, act tree, checks, raw tokens only on purpose, guarded copy); the
// token timeline filling with lifecycle events; the access matrix with a second account.
#include "AccessMatrixPage.h"
#include "AccountButton.h"
#include "IdentityPage.h"
#include "LabFixture.h"
#include "MainWindow.h"
#include "MessageBar.h"
#include "ServerListModel.h"
#include "TimelinePage.h"
#include "TokenTimeline.h"
#include "auth/Identity.h"
#include "auth/Install.h"
#include "auth/Lifecycle.h"
#include "session/SessionManager.h"

#include <QApplication>
#include <QClipboard>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace lanyard;

class TestIdentityGui : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void startupConnectWaitsForSignIn();
    void signInWithTheAccountButton();
    void identityPageShowsWhatTheServerSees();
    void timelineShowsLifecycleEvents();
    void accessMatrixFillsAndComparesAccounts();
    void signInRefusalIsPlainLanguage();

private:
    static int rowOf(QTableWidget* table, const QString& claim);
    void shoot(QWidget* widget, const QString& name);
    bool connectServer(const QString& name);
    bool call(const QString& server, const QString& tool, const json& arguments = json::object());

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<authtest::LabFixture> m_lab;
    std::unique_ptr<authtest::LabBrowser> m_browser;
    std::unique_ptr<SessionManager> m_manager;
    std::unique_ptr<MainWindow> m_window;
    QString m_shots;
};

void TestIdentityGui::initTestCase()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    qputenv("XDG_DATA_HOME", m_dir->filePath(QStringLiteral("data")).toUtf8());
    qputenv("XDG_CONFIG_HOME", m_dir->filePath(QStringLiteral("config")).toUtf8());
    m_shots = qEnvironmentVariable("LANYARD_SCREENSHOT_DIR");
    m_lab = std::make_unique<authtest::LabFixture>();
    QVERIFY(m_lab->start(false));
    m_browser = std::make_unique<authtest::LabBrowser>();

    json config { { "identity",
                      { { "authority", ss(m_lab->authority()) }, { "clientId", ss(m_lab->clientId()) },
                          { "store", "memory" }, { "signInTimeoutSeconds", 30 } } },
        { "servers",
            { { { "name", "hr" }, { "url", ss(m_lab->hr->endpointUrl().toString()) },
                  { "auth",
                      { { "type", "token-exchange" },
                          { "tokenEndpoint", ss(m_lab->lab->tokenServiceTokenUrl().toString()) },
                          { "subjectScopes", { ss(m_lab->lab->tokenServiceScope()) } },
                          { "scopes", { "HR.Read" } } } } },
                { { "name", "docs" }, { "url", ss(m_lab->docs->endpointUrl().toString()) },
                    { "auth",
                        { { "type", "entra" }, { "scopes", { "api://lab-docs/Docs.Read" } },
                            { "audience", lab::builtin::kDocsAppId } } } } } } };
    const QString path = m_dir->filePath(QStringLiteral("lanyard.json"));
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(dumpJson(config, 2));
    f.close();

    // As app/gui/main.cpp does: strategies first, then the configuration, then the identity block.
    auth::install();
    m_manager = std::make_unique<SessionManager>();
    Error error;
    QVERIFY2(m_manager->load(path, &error), qPrintable(error.message));
    QVERIFY2(auth::configure(m_manager->config(), &error), qPrintable(error.message));
    auth::identity()->setBrowserLauncher(m_browser->launcher());
    m_window = std::make_unique<MainWindow>(m_manager.get());
    m_window->resize(1400, 900);
    m_window->show();
    QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
}

void TestIdentityGui::cleanupTestCase()
{
    if (m_manager)
        m_manager->disconnectAll();
    QTest::qWait(100);
    m_window.reset();
    m_manager.reset();
    m_browser.reset();
    m_lab.reset();
}

void TestIdentityGui::shoot(QWidget* widget, const QString& name)
{
    if (m_shots.isEmpty())
        return;
    QTest::qWait(300);
    QVERIFY(widget->grab().save(QDir(m_shots).filePath(name + QStringLiteral(".png"))));
}

int TestIdentityGui::rowOf(QTableWidget* table, const QString& claim)
{
    for (int r = 0; r < table->rowCount(); ++r) {
        if (table->item(r, 0) && table->item(r, 0)->text() == claim)
            return r;
    }
    return -1;
}

bool TestIdentityGui::connectServer(const QString& name)
{
    ServerSession* s = m_manager->session(name);
    if (!s)
        return false;
    if (s->state() != ServerSession::State::Connected)
        s->connectToServer();
    return QTest::qWaitFor([s] { return s->state() == ServerSession::State::Connected && s->toolsComplete(); }, 20000);
}

bool TestIdentityGui::call(const QString& server, const QString& tool, const json& arguments)
{
    ServerSession* s = m_manager->session(server);
    PendingRequest* request = s->callTool(tool, arguments);
    bool done = false;
    connect(request, &PendingRequest::finished, this, [&done] { done = true; });
    connect(request, &PendingRequest::failed, this, [&done] { done = true; });
    return QTest::qWaitFor([&done] { return done; }, 20000);
}

// As app/gui/main.cpp starts: connecting every server never opens the browser on its own; a server
// that needs the account waits with a plain "sign in first".
void TestIdentityGui::startupConnectWaitsForSignIn()
{
    auth::identity()->setInteractive(false);
    ServerSession* hr = m_manager->session(QStringLiteral("hr"));
    hr->connectToServer();
    QTRY_COMPARE_WITH_TIMEOUT(hr->state(), ServerSession::State::Error, 10000);
    QCOMPARE(hr->lastError().kind, Error::Kind::Auth);
    QVERIFY2(hr->lastError().message.contains(QLatin1String("Sign in first")), qPrintable(hr->lastError().message));
    QCOMPARE(m_browser->opened, 0);
    QVERIFY(m_window->selectServer(QStringLiteral("hr")));
    // Shown as waiting (not failed), with "Sign in" in the banner instead of "Try again".
    QVERIFY(ServerListModel::waitsForSignIn(hr));
    auto* state = m_window->findChild<QLabel*>(QStringLiteral("serverState"));
    QVERIFY(state);
    QCOMPARE(state->text(), QStringLiteral("Waiting for sign-in"));
    auto* banner = m_window->findChild<MessageBar*>(QStringLiteral("connectionBanner"));
    QVERIFY(banner);
    QTRY_VERIFY(banner->isVisible());
    QCOMPARE(banner->type(), MessageBar::Type::Warning);
    QVERIFY2(banner->text().contains(QLatin1String("sign in to connect")), qPrintable(banner->text()));
    QCOMPARE(banner->actionButton()->text(), QStringLiteral("Sign in"));
    // The lab's metadata omits code_challenge_methods_supported, as Entra's does: Lanyard says that
    // it assumed S256, as information (not as a success or an error).
    QTRY_VERIFY(m_window->messageBar()->isVisible());
    QVERIFY2(m_window->messageBar()->text().contains(QLatin1String("code_challenge_methods_supported")),
        qPrintable(m_window->messageBar()->text()));
    QCOMPARE(m_window->messageBar()->type(), MessageBar::Type::Information);
    // The pages say the same (not "Connect to hr").
    for (const char* name : { "toolsPlaceholder", "resourcesPlaceholder", "promptsPlaceholder" }) {
        auto* placeholder = m_window->findChild<QLabel*>(QLatin1String(name));
        QVERIFY2(placeholder, name);
        QVERIFY2(placeholder->text().startsWith(QLatin1String("Sign in")), qPrintable(placeholder->text()));
    }
    // A server that does not carry the account is not "waiting" for it.
    ServerSession* bench = m_manager->session(QStringLiteral("bench"));
    QVERIFY(!bench || !ServerListModel::waitsForSignIn(bench));
    shoot(m_window.get(), QStringLiteral("waiting-for-sign-in"));
    // The Identity page asks for the sign-in too, without a "get the token now" button that could
    // only fail.
    m_window->showPage(MainWindow::Page::Identity);
    auto* identityEmpty = m_window->identityPage()->findChild<QLabel*>(QStringLiteral("identityEmpty"));
    QVERIFY(identityEmpty && identityEmpty->isVisible());
    QVERIFY2(identityEmpty->text().startsWith(QLatin1String("Sign in")), qPrintable(identityEmpty->text()));
    QVERIFY(!m_window->identityPage()->findChild<QPushButton*>(QStringLiteral("fetchTokenEmpty"))->isVisible());
    m_window->showPage(MainWindow::Page::Tools);
    // The banner's button starts the sign-in (here the person walks away and it is cancelled).
    m_browser->neverFinish = true;
    banner->actionButton()->click();
    QTRY_COMPARE_WITH_TIMEOUT(m_browser->opened, 1, 10000);
    QVERIFY(auth::identity()->isSigningIn());
    auth::identity()->cancelSignIn();
    QTRY_VERIFY(!auth::identity()->isSigningIn());
    m_browser->neverFinish = false;
    QCOMPARE(hr->state(), ServerSession::State::Error); // still waiting
}

void TestIdentityGui::signInWithTheAccountButton()
{
    AccountButton* account = m_window->accountButton();
    QVERIFY(account);
    QCOMPARE(account->text(), QStringLiteral("Sign in"));
    QVERIFY(account->signInAction()->isVisible());
    QVERIFY(!account->signOutAction()->isVisible());

    // The browser opens the page and waits: the dialog shows the URL, the redirect and Cancel.
    m_browser->neverFinish = true;
    account->signInAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(account->signInDialog() && account->signInDialog()->isVisible(), 10000);
    SignInDialog* dialog = account->signInDialog();
    auto* url = dialog->findChild<QLineEdit*>(QStringLiteral("signInUrl"));
    QVERIFY(url);
    QVERIFY2(url->text().contains(QLatin1String("/oauth2/v2.0/authorize?")), qPrintable(url->text()));
    QVERIFY2(dialog->redirectText().contains(QLatin1String("http://127.0.0.1:")), qPrintable(dialog->redirectText()));
    QVERIFY(dialog->findChild<QPushButton*>(QStringLiteral("cancelSignIn")));
    QVERIFY(dialog->findChild<QPushButton*>(QStringLiteral("copySignInUrl")));
    QCOMPARE(account->text(), QStringLiteral("Signing in…"));
    shoot(dialog, QStringLiteral("sign-in-waiting"));

    // Now the person finishes in the browser.
    m_browser->neverFinish = false;
    m_browser->browse(dialog->authorizationUrl());
    QVERIFY2(m_browser->failure.isEmpty(), qPrintable(m_browser->failure));
    QTRY_VERIFY_WITH_TIMEOUT(auth::identity()->isSignedIn(), 15000);
    QTRY_VERIFY(!dialog->isVisible());
    QCOMPARE(account->text(), QStringLiteral("Ada Admin"));
    QVERIFY(account->signOutAction()->isVisible());
    QVERIFY(!account->signInAction()->isVisible());
    const QString card = account->card()->text();
    QVERIFY2(card.contains(QLatin1String("ada@lanyardlab.onmicrosoft.com")), qPrintable(card));
    QVERIFY2(card.contains(QString::fromLatin1(lab::builtin::kAdaOid)), qPrintable(card));
    QVERIFY(card.contains(auth::identity()->account().tenantId));
    QVERIFY(!auth::identity()->account().tenantId.isEmpty());
    // The server that waited for the sign-in connects by itself, with the new account.
    ServerSession* hr = m_manager->session(QStringLiteral("hr"));
    QTRY_COMPARE_WITH_TIMEOUT(hr->state(), ServerSession::State::Connected, 15000);
    QVERIFY(auth::identity()->isInteractive()); // after the person signed in, a token need may ask again
}

void TestIdentityGui::identityPageShowsWhatTheServerSees()
{
    QVERIFY(auth::identity()->isSignedIn());
    QVERIFY(m_window->selectServer(QStringLiteral("hr")));
    QVERIFY(connectServer(QStringLiteral("hr")));
    m_window->showPage(MainWindow::Page::Identity);
    IdentityPage* page = m_window->identityPage();
    QTRY_VERIFY_WITH_TIMEOUT(page->serverToken() != nullptr, 10000);
    QVERIFY(page->subjectToken() != nullptr);
    QVERIFY(page->subjectToken() != page->serverToken()); // exchanged: two different tokens
    QCOMPARE(page->serverToken()->obtainedBy, QStringLiteral("token-exchange"));

    auto* table = page->findChild<QTableWidget*>(QStringLiteral("claimsTable"));
    QVERIFY(table);
    const int aud = rowOf(table, QStringLiteral("aud"));
    QVERIFY(aud >= 0);
    QCOMPARE(table->item(aud, 2)->text(), m_lab->hr->endpointUrl().toString());
    QVERIFY(table->item(aud, 1)->text() != table->item(aud, 2)->text());
    QVERIFY(table->item(aud, 0)->data(Qt::UserRole).toBool()); // highlighted as differing
    QVERIFY(page->differingClaims().contains(QStringLiteral("aud")));
    QVERIFY(page->differingClaims().contains(QStringLiteral("iss")));
    // The person is the same in both.
    const int oid = rowOf(table, QStringLiteral("oid"));
    if (oid >= 0 && table->item(oid, 2)->text() != QStringLiteral("—"))
        QVERIFY(!table->item(oid, 0)->data(Qt::UserRole).toBool());

    // act: the exchanged token names Lanyard acting for Ada.
    auto* tree = page->findChild<QTreeWidget*>(QStringLiteral("actTree"));
    QVERIFY(tree && tree->topLevelItemCount() == 1);
    QVERIFY(tree->topLevelItem(0)->text(0).contains(QLatin1String("Ada Admin")));
    QVERIFY(tree->topLevelItem(0)->childCount() == 1);
    QVERIFY2(tree->topLevelItem(0)->child(0)->text(0).startsWith(QLatin1String("acting for them")),
        qPrintable(tree->topLevelItem(0)->child(0)->text(0)));

    auto* audience = page->findChild<QLabel*>(QStringLiteral("checkAudience"));
    QVERIFY2(audience->text().startsWith(QStringLiteral("✓")), qPrintable(audience->text()));
    auto* serverSignature = page->findChild<QLabel*>(QStringLiteral("checkServerSignature"));
    auto* subjectSignature = page->findChild<QLabel*>(QStringLiteral("checkSubjectSignature"));
    QTRY_VERIFY2_WITH_TIMEOUT(
        serverSignature->text().startsWith(QStringLiteral("✓")), qPrintable(serverSignature->text()), 10000);
    QTRY_VERIFY2_WITH_TIMEOUT(
        subjectSignature->text().startsWith(QStringLiteral("✓")), qPrintable(subjectSignature->text()), 10000);
    QVERIFY(page->findChild<QLabel*>(QStringLiteral("howGrant"))->text().contains(QLatin1String("token-exchange")));
    QVERIFY(page->findChild<QLabel*>(QStringLiteral("tokenCountdown"))->text().startsWith(QLatin1String("expires in")));

    // Raw tokens: hidden until revealed on purpose.
    auto* raw = page->findChild<QPlainTextEdit*>(QStringLiteral("rawServerToken"));
    QVERIFY(!raw->isVisibleTo(page));
    QVERIFY(!raw->toPlainText().contains(QLatin1String("eyJ")));
    for (QLabel* l : page->findChildren<QLabel*>())
        QVERIFY(!l->text().contains(QLatin1String("eyJ")));
    for (int r = 0; r < table->rowCount(); ++r)
        QVERIFY(!table->item(r, 2)->text().contains(QLatin1String("eyJ")));
    shoot(m_window.get(), QStringLiteral("identity"));
    auto* reveal = page->findChild<QPushButton*>(QStringLiteral("revealTokens"));
    QTest::mouseClick(reveal, Qt::LeftButton);
    QVERIFY(page->isRevealed());
    QVERIFY(raw->isVisibleTo(page));
    QVERIFY(raw->toPlainText().contains(page->serverToken()->token.revealString()));
    QTest::mouseClick(reveal, Qt::LeftButton);
    QVERIFY(!raw->isVisibleTo(page));
    QVERIFY(raw->toPlainText().isEmpty());

    // Copy asks first; "no" leaves the clipboard alone.
    QApplication::clipboard()->setText(QStringLiteral("before"));
    QString asked;
    page->setConfirmCopy([&asked](const QString& q) {
        asked = q;
        return false;
    });
    QTest::mouseClick(page->findChild<QPushButton*>(QStringLiteral("copyToken")), Qt::LeftButton);
    QVERIFY(asked.contains(QLatin1String("hr")));
    QCOMPARE(QApplication::clipboard()->text(), QStringLiteral("before"));
    page->setConfirmCopy([](const QString&) { return true; });
    QTest::mouseClick(page->findChild<QPushButton*>(QStringLiteral("copyToken")), Qt::LeftButton);
    QCOMPARE(QApplication::clipboard()->text(), page->serverToken()->token.revealString());
    QApplication::clipboard()->clear();

    // The server's own view, from its whoami tool.
    QTest::mouseClick(page->findChild<QPushButton*>(QStringLiteral("askServer")), Qt::LeftButton);
    auto* view = page->findChild<QPlainTextEdit*>(QStringLiteral("serverView"));
    QTRY_VERIFY_WITH_TIMEOUT(view->toPlainText().contains(QString::fromLatin1(lab::builtin::kAdaOid)), 10000);

    // A server that gets the Entra token itself: one token, same in both columns. Before it
    // connected there is none yet, and the empty page's button gets it.
    QVERIFY(m_window->selectServer(QStringLiteral("docs")));
    page->reload();
    QVERIFY(page->serverToken() == nullptr);
    auto* fetchEmpty = page->findChild<QPushButton*>(QStringLiteral("fetchTokenEmpty"));
    QVERIFY(fetchEmpty && fetchEmpty->isVisible());
    QVERIFY2(page->findChild<QLabel*>(QStringLiteral("identityEmpty"))->text().contains(QLatin1String("no token")),
        qPrintable(page->findChild<QLabel*>(QStringLiteral("identityEmpty"))->text()));
    QTest::mouseClick(fetchEmpty, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(page->serverToken() != nullptr, 10000);
    QVERIFY(connectServer(QStringLiteral("docs")));
    page->reload();
    QTRY_VERIFY_WITH_TIMEOUT(page->serverToken() != nullptr, 10000);
    QCOMPARE(page->subjectToken(), page->serverToken());
    QVERIFY(page->differingClaims().isEmpty());
}

void TestIdentityGui::timelineShowsLifecycleEvents()
{
    m_window->showPage(MainWindow::Page::Timeline);
    TimelinePage* page = m_window->timelinePage();
    TokenTimeline* timeline = page->timeline();
    QCOMPARE(timeline->eventCount(), auth::identity()->lifecycle()->count());
    QVERIFY(timeline->eventCount() >= 3);
    const QStringList lanes = timeline->laneNames();
    QVERIFY2(lanes.contains(QStringLiteral("Entra sign-in")), qPrintable(lanes.join(',')));
    QVERIFY2(lanes.contains(QStringLiteral("hr")), qPrintable(lanes.join(',')));
    QVERIFY2(lanes.contains(QStringLiteral("docs")), qPrintable(lanes.join(',')));
    int exchanged = -1;
    bool signedIn = false;
    for (int i = 0; i < timeline->eventCount(); ++i) {
        const auto& e = timeline->events().at(i);
        if (e.kind == auth::LifecycleEvent::Kind::Exchanged && e.server == QLatin1String("hr"))
            exchanged = i;
        signedIn = signedIn || e.kind == auth::LifecycleEvent::Kind::SignedIn;
    }
    QVERIFY(signedIn);
    QVERIFY(exchanged >= 0);

    // A new event appears live.
    const int before = timeline->eventCount();
    auth::identity()->lifecycle()->notice(
        QStringLiteral("hr"), QStringLiteral("token-exchange"), QStringLiteral("test notice"));
    QCOMPARE(timeline->eventCount(), before + 1);

    // Clicking a mark shows its details (no token in them).
    QTRY_VERIFY(timeline->isVisible() && timeline->width() > 400);
    const QPoint at = timeline->markPosition(exchanged);
    QVERIFY(!at.isNull());
    QTest::mouseClick(timeline, Qt::LeftButton, Qt::NoModifier, at);
    QCOMPARE(timeline->selectedIndex(), exchanged);
    QVERIFY2(page->detailText().contains(QLatin1String("exchanged")), qPrintable(page->detailText()));
    QVERIFY(page->detailText().contains(m_lab->hr->endpointUrl().toString()));
    QVERIFY(!page->detailText().contains(QLatin1String("eyJ")));
    shoot(m_window.get(), QStringLiteral("token-timeline"));
}

void TestIdentityGui::accessMatrixFillsAndComparesAccounts()
{
    AccessMatrixPage* access = m_window->accessPage();
    const QString ada = QStringLiteral("ada@lanyardlab.onmicrosoft.com");
    QCOMPARE(access->currentAccount(), ada);
    QVERIFY(call(QStringLiteral("hr"), QStringLiteral("whoami")));
    QVERIFY(call(QStringLiteral("docs"), QStringLiteral("whoami")));
    QTRY_COMPARE(access->access(QStringLiteral("hr"), QStringLiteral("whoami")), AccessMatrixPage::Access::CalledOk);
    QCOMPARE(access->access(QStringLiteral("docs"), QStringLiteral("whoami")), AccessMatrixPage::Access::CalledOk);
    QCOMPARE(access->access(QStringLiteral("hr"), QStringLiteral("update_salary")), AccessMatrixPage::Access::Listed);
    QCOMPARE(
        access->access(QStringLiteral("docs"), QStringLiteral("update_salary")), AccessMatrixPage::Access::NotListed);
    QCOMPARE(
        access->access(QStringLiteral("docs"), QStringLiteral("no_such_tool")), AccessMatrixPage::Access::NotListed);
    access->rebuild();
    QTableWidget* table = access->table();
    QVERIFY(table->rowCount() >= 3);
    QCOMPARE(table->columnCount(), 2);

    // A second account: Olli (no HR.Admin role) is denied update_salary with the server's reason.
    m_manager->session(QStringLiteral("hr"))->disconnectFromServer();
    QTRY_COMPARE(m_manager->session(QStringLiteral("hr"))->state(), ServerSession::State::Disconnected);
    bool signedOut = false;
    auth::identity()->signOut(this, [&signedOut](const Error&) { signedOut = true; });
    QTRY_VERIFY(signedOut);
    QCOMPARE(m_window->accountButton()->text(), QStringLiteral("Sign in"));
    m_browser->username = QStringLiteral("olli@lanyardlab.onmicrosoft.com");
    ServerSession* docs = m_manager->session(QStringLiteral("docs"));
    QCOMPARE(docs->state(), ServerSession::State::Connected);
    QSignalSpy docsStates(docs, &ServerSession::stateChanged);
    m_window->accountButton()->signInAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(auth::identity()->isSignedIn(), 15000);
    QCOMPARE(m_window->accountButton()->text(), QStringLiteral("Olli User"));
    // Another account: docs, connected with Ada's identity, reconnects with Olli's.
    QTRY_VERIFY_WITH_TIMEOUT(!docsStates.isEmpty() && docs->state() == ServerSession::State::Connected, 15000);
    QVERIFY2(connectServer(QStringLiteral("hr")),
        qPrintable(ServerSession::stateName(m_manager->session(QStringLiteral("hr"))->state())
            + QString::number(m_manager->session(QStringLiteral("hr"))->toolsComplete())
            + m_manager->session(QStringLiteral("hr"))->lastError().message));
    QVERIFY(call(QStringLiteral("hr"), QStringLiteral("whoami")));
    QVERIFY(call(QStringLiteral("hr"), QStringLiteral("update_salary"), json { { "id", "E1003" }, { "salary", 1 } }));
    const QString olli = QStringLiteral("olli@lanyardlab.onmicrosoft.com");
    QTRY_COMPARE(
        access->access(QStringLiteral("hr"), QStringLiteral("update_salary")), AccessMatrixPage::Access::Denied);
    QVERIFY2(!access->reason(QStringLiteral("hr"), QStringLiteral("update_salary")).isEmpty(), "the server's reason");
    QCOMPARE(access->access(QStringLiteral("hr"), QStringLiteral("whoami")), AccessMatrixPage::Access::CalledOk);
    // A JSON-RPC error that is no refusal (an unknown tool: invalid params) is an error, not "denied".
    QVERIFY(call(QStringLiteral("hr"), QStringLiteral("no_such_tool")));
    QTRY_COMPARE(
        access->access(QStringLiteral("hr"), QStringLiteral("no_such_tool")), AccessMatrixPage::Access::ToolError);
    // Ada's results are kept apart.
    // Ada saw update_salary listed, but never called it.
    QCOMPARE(
        access->access(QStringLiteral("hr"), QStringLiteral("update_salary"), ada), AccessMatrixPage::Access::Listed);
    QCOMPARE(
        access->access(QStringLiteral("hr"), QStringLiteral("no_such_tool"), ada), AccessMatrixPage::Access::NotListed);
    QCOMPARE(access->access(QStringLiteral("docs"), QStringLiteral("whoami"), ada), AccessMatrixPage::Access::CalledOk);
    QVERIFY(access->accounts().contains(ada));
    QVERIFY(access->accounts().contains(olli));

    access->setCompareAccount(ada);
    table = access->table();
    int salaryRow = -1;
    int hrColumn = -1;
    for (int r = 0; r < table->rowCount(); ++r) {
        if (table->verticalHeaderItem(r)->text() == QLatin1String("update_salary"))
            salaryRow = r;
    }
    for (int c = 0; c < table->columnCount(); ++c) {
        if (table->horizontalHeaderItem(c)->text() == QLatin1String("hr"))
            hrColumn = c;
    }
    QVERIFY(salaryRow >= 0 && hrColumn >= 0);
    const QString cell = table->item(salaryRow, hrColumn)->text();
    QVERIFY2(cell.contains(olli) && cell.contains(ada) && cell.contains(QStringLiteral("denied")), qPrintable(cell));
    m_window->showPage(MainWindow::Page::Access);
    shoot(m_window.get(), QStringLiteral("access-matrix"));
    access->setCompareAccount(QString());
}

void TestIdentityGui::signInRefusalIsPlainLanguage()
{
    bool signedOut = false;
    auth::identity()->signOut(this, [&signedOut](const Error&) { signedOut = true; });
    QTRY_VERIFY(signedOut);
    // The person declines consent in the browser: the message bar says so in plain words.
    m_browser->username = QStringLiteral("chris@lanyardlab.onmicrosoft.com");
    m_browser->consent = QStringLiteral("decline");
    m_window->messageBar()->hideMessage();
    m_window->accountButton()->signInAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->messageBar()->isVisible(), 15000);
    const QString text = m_window->messageBar()->text();
    QCOMPARE(m_window->messageBar()->type(), MessageBar::Type::Error);
    QVERIFY(!auth::identity()->isSignedIn());
    QVERIFY2(
        !text.contains(QLatin1String("error_description")) && !text.contains(QLatin1String("{")), qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("consent"), Qt::CaseInsensitive), qPrintable(text));
    QTRY_VERIFY(!m_window->accountButton()->signInDialog() || !m_window->accountButton()->signInDialog()->isVisible());
    QCOMPARE(m_window->accountButton()->text(), QStringLiteral("Sign in"));
}

QTEST_MAIN(TestIdentityGui)
#include "TestIdentityGui.moc"
