// SPDX-License-Identifier: MIT
#include "MainWindow.h"

#include "AccessMatrixPage.h"
#include "AccountButton.h"
#include "ActivityPage.h"
#include "ElicitationDialog.h"
#include "Icons.h"
#include "IdentityPage.h"
#include "ImportDialog.h"
#include "MessageBar.h"
#include "PromptsPage.h"
#include "ResourcesPage.h"
#include "ServerDialog.h"
#include "ServerListModel.h"
#include "TimelinePage.h"
#include "ToolsPage.h"
#include "TourDialog.h"
#include "auth/Install.h"

#include "lanyard/Version.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QListView>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>
#include <QToolButton>
#include <QVBoxLayout>

namespace lanyard {

namespace {
constexpr const char* kConnectedAs = "lanyardConnectedAs"; // dynamic property of a ServerSession
} // namespace

MainWindow::MainWindow(SessionManager* manager, QWidget* parent)
    : QMainWindow(parent)
    , m_manager(manager)
{
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("Lanyard"));
    setWindowIcon(ui::appIcon());
    m_serverModel = new ServerListModel(manager, this);

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->setObjectName(QStringLiteral("mainSplitter"));
    m_splitter->setChildrenCollapsible(false);
    setCentralWidget(m_splitter);

    // Sidebar.
    auto* sidebar = new QWidget(m_splitter);
    auto* sv = new QVBoxLayout(sidebar);
    sv->setContentsMargins(6, 6, 0, 6);
    auto* serversLabel = new QLabel(tr("Servers"), sidebar);
    QFont bold = serversLabel->font();
    bold.setBold(true);
    serversLabel->setFont(bold);
    m_serverList = new QListView(sidebar);
    m_serverList->setObjectName(QStringLiteral("serverList"));
    m_serverList->setAccessibleName(tr("Servers"));
    m_serverList->setModel(m_serverModel);
    m_serverList->setItemDelegate(new ServerItemDelegate(m_serverList));
    m_serverList->setUniformItemSizes(true);
    m_serverList->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_serverList->setMinimumWidth(220);
    serversLabel->setBuddy(m_serverList);
    auto* sidebarButtons = new QHBoxLayout();
    auto makeButton = [sidebar](const QString& name, const QString& iconName, const QString& tip) {
        auto* b = new QToolButton(sidebar);
        b->setObjectName(name);
        b->setIcon(ui::icon(iconName));
        b->setToolTip(tip);
        b->setAccessibleName(tip);
        b->setAutoRaise(true);
        return b;
    };
    QToolButton* addButton = makeButton(QStringLiteral("addServerButton"), QStringLiteral("add"), tr("Add a server"));
    QToolButton* editButton
        = makeButton(QStringLiteral("editServerButton"), QStringLiteral("edit"), tr("Edit the server"));
    QToolButton* removeButton
        = makeButton(QStringLiteral("removeServerButton"), QStringLiteral("remove"), tr("Remove the server"));
    sidebarButtons->addWidget(addButton);
    sidebarButtons->addWidget(editButton);
    sidebarButtons->addWidget(removeButton);
    sidebarButtons->addStretch(1);
    sv->addWidget(serversLabel);
    sv->addWidget(m_serverList, 1);
    sv->addLayout(sidebarButtons);

    // Main area.
    auto* main = new QWidget(m_splitter);
    auto* mv = new QVBoxLayout(main);
    mv->setContentsMargins(6, 6, 6, 6);
    auto* header = new QHBoxLayout();
    auto* titles = new QVBoxLayout();
    titles->setSpacing(0);
    m_serverTitle = new QLabel(main);
    m_serverTitle->setObjectName(QStringLiteral("serverTitle"));
    m_serverTitle->setTextFormat(Qt::PlainText);
    QFont big = m_serverTitle->font();
    big.setPointSizeF(big.pointSizeF() * 1.45);
    big.setBold(true);
    m_serverTitle->setFont(big);
    m_serverEndpoint = new QLabel(main);
    m_serverEndpoint->setObjectName(QStringLiteral("serverEndpoint"));
    m_serverEndpoint->setTextFormat(Qt::PlainText);
    m_serverEndpoint->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_serverEndpoint->setForegroundRole(QPalette::PlaceholderText);
    titles->addWidget(m_serverTitle);
    titles->addWidget(m_serverEndpoint);
    m_serverState = new QLabel(main);
    m_serverState->setObjectName(QStringLiteral("serverState"));
    m_serverState->setTextFormat(Qt::PlainText);
    m_connectButton = new QPushButton(main);
    m_connectButton->setObjectName(QStringLiteral("connectButton"));
    header->addLayout(titles, 1);
    header->addWidget(m_serverState);
    header->addWidget(m_connectButton);
    mv->addLayout(header);
    m_banner = new MessageBar(main);
    m_banner->setObjectName(QStringLiteral("connectionBanner"));
    m_messageBar = new MessageBar(main);
    m_messageBar->setObjectName(QStringLiteral("messageBar"));
    mv->addWidget(m_banner);
    mv->addWidget(m_messageBar);
    m_pages = new QTabWidget(main);
    m_pages->setObjectName(QStringLiteral("pages"));
    m_pages->setDocumentMode(true);
    m_tools = new ToolsPage(m_pages);
    m_tools->setObjectName(QStringLiteral("toolsPage"));
    m_resources = new ResourcesPage(m_pages);
    m_resources->setObjectName(QStringLiteral("resourcesPage"));
    m_prompts = new PromptsPage(m_pages);
    m_prompts->setObjectName(QStringLiteral("promptsPage"));
    m_identity = new IdentityPage(auth::identity(), m_pages);
    m_identity->setObjectName(QStringLiteral("identityPage"));
    m_activity = new ActivityPage(m_pages);
    m_activity->setObjectName(QStringLiteral("activityPage"));
    m_pages->addTab(m_tools, ui::icon(QStringLiteral("tool")), tr("Tools"));
    m_pages->addTab(m_resources, ui::icon(QStringLiteral("resource")), tr("Resources"));
    m_pages->addTab(m_prompts, ui::icon(QStringLiteral("prompt")), tr("Prompts"));
    m_pages->addTab(m_identity, ui::icon(QStringLiteral("identity")), tr("Identity"));
    m_pages->addTab(m_activity, ui::icon(QStringLiteral("activity")), tr("Activity"));
    m_timeline = new TimelinePage(auth::identity(), m_pages);
    m_timeline->setObjectName(QStringLiteral("timelinePage"));
    m_pages->addTab(m_timeline, ui::icon(QStringLiteral("timeline")), tr("Token timeline"));
    m_access = new AccessMatrixPage(manager, auth::identity(), m_pages);
    m_access->setObjectName(QStringLiteral("accessPage"));
    m_pages->addTab(m_access, ui::icon(QStringLiteral("matrix")), tr("Access"));
    mv->addWidget(m_pages, 1);

    m_splitter->addWidget(sidebar);
    m_splitter->addWidget(main);
    m_splitter->setStretchFactor(0, 0);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setSizes({ 270, 1130 });

    createActions();
    createMenus();

    connect(addButton, &QToolButton::clicked, this, &MainWindow::addServer);
    connect(editButton, &QToolButton::clicked, this, &MainWindow::editServer);
    connect(removeButton, &QToolButton::clicked, this, &MainWindow::removeServer);
    connect(m_serverList, &QListView::doubleClicked, this, &MainWindow::connectCurrent);
    connect(m_serverList->selectionModel(), &QItemSelectionModel::currentChanged, this,
        &MainWindow::onCurrentServerChanged);
    connect(m_serverModel, &QAbstractItemModel::modelReset, this, [this] {
        if (m_manager->count() > 0 && !m_serverList->currentIndex().isValid())
            m_serverList->setCurrentIndex(m_serverModel->index(0));
        onCurrentServerChanged();
    });
    connect(m_serverModel, &QAbstractItemModel::rowsRemoved, this, &MainWindow::onCurrentServerChanged);
    connect(m_connectButton, &QPushButton::clicked, this, [this] {
        if (!m_current)
            return;
        if (m_current->state() == ServerSession::State::Connected
            || m_current->state() == ServerSession::State::Connecting)
            disconnectCurrent();
        else
            connectCurrent();
    });
    connect(m_banner, &MessageBar::actionTriggered, this, [this] {
        if (ServerListModel::waitsForSignIn(m_current)) {
            allowBrowserSignIn();
            m_account->signIn(); // followAccount() reconnects the servers that waited
        } else {
            reconnectCurrent();
        }
    });
    connect(m_tools, &ToolsPage::resourceLinkActivated, this, [this](const QString& uri) {
        showPage(Page::Resources);
        m_resources->openUri(uri);
    });
    connect(m_pages, &QTabWidget::currentChanged, this, &MainWindow::updateActions);

    m_manager->setElicitationHandler(
        [this](ServerSession* session, const json& params, std::function<void(const json&)> reply) {
            handleElicitation(session, params, std::move(reply));
        });

    statusBar()->showMessage(tr("Lanyard %1").arg(QStringLiteral(LANYARD_VERSION)));
    resize(1400, 900);
    if (m_manager->count() > 0)
        m_serverList->setCurrentIndex(m_serverModel->index(0));
    onCurrentServerChanged();
}

MainWindow::~MainWindow()
{
    if (m_manager)
        m_manager->setElicitationHandler(nullptr);
}

void MainWindow::createActions()
{
    m_addAction = new QAction(ui::icon(QStringLiteral("add")), tr("&Add Server…"), this);
    m_addAction->setShortcut(QKeySequence::New);
    connect(m_addAction, &QAction::triggered, this, &MainWindow::addServer);
    m_importAction = new QAction(ui::icon(QStringLiteral("import")), tr("&Import Servers…"), this);
    m_importAction->setToolTip(tr("Import servers from VS Code (mcp.json), Claude Desktop or Cursor"));
    connect(m_importAction, &QAction::triggered, this, &MainWindow::importServers);
    m_exportAction = new QAction(ui::icon(QStringLiteral("export")), tr("&Export Servers…"), this);
    connect(m_exportAction, &QAction::triggered, this, &MainWindow::exportServers);
    m_quitAction = new QAction(tr("&Quit"), this);
    m_quitAction->setShortcut(QKeySequence::Quit);
    m_quitAction->setMenuRole(QAction::QuitRole);
    connect(m_quitAction, &QAction::triggered, this, &QWidget::close);

    m_connectAction = new QAction(ui::icon(QStringLiteral("connect")), tr("&Connect"), this);
    connect(m_connectAction, &QAction::triggered, this, &MainWindow::connectCurrent);
    m_disconnectAction = new QAction(ui::icon(QStringLiteral("disconnect")), tr("&Disconnect"), this);
    connect(m_disconnectAction, &QAction::triggered, this, &MainWindow::disconnectCurrent);
    m_reconnectAction = new QAction(ui::icon(QStringLiteral("refresh")), tr("Re&connect"), this);
    connect(m_reconnectAction, &QAction::triggered, this, &MainWindow::reconnectCurrent);
    m_refreshAction = new QAction(ui::icon(QStringLiteral("refresh")), tr("&Refresh"), this);
    m_refreshAction->setShortcut(QKeySequence(Qt::Key_F5));
    m_refreshAction->setToolTip(tr("Fetch tools, resources and prompts again (F5)"));
    connect(m_refreshAction, &QAction::triggered, this, &MainWindow::refresh);
    m_editAction = new QAction(ui::icon(QStringLiteral("edit")), tr("&Edit Server…"), this);
    connect(m_editAction, &QAction::triggered, this, &MainWindow::editServer);
    m_removeAction = new QAction(ui::icon(QStringLiteral("remove")), tr("Re&move Server"), this);
    connect(m_removeAction, &QAction::triggered, this, &MainWindow::removeServer);

    m_searchAction = new QAction(ui::icon(QStringLiteral("search")), tr("&Find Tool"), this);
    m_searchAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    connect(m_searchAction, &QAction::triggered, this, [this] {
        showPage(Page::Tools);
        m_tools->focusSearch();
    });
    m_callAction = new QAction(ui::icon(QStringLiteral("play")), tr("&Call Tool"), this);
    m_callAction->setShortcuts({ QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter) });
    connect(m_callAction, &QAction::triggered, this, [this] {
        if (currentPage() == Page::Tools)
            m_tools->callCurrentTool();
    });
    m_aboutAction = new QAction(ui::icon(QStringLiteral("about")), tr("&About Lanyard"), this);
    m_aboutAction->setMenuRole(QAction::AboutRole);
    connect(m_aboutAction, &QAction::triggered, this, &MainWindow::about);
    m_tourAction = new QAction(ui::icon(QStringLiteral("info")), tr("&Tour: What to Try"), this);
    m_tourAction->setObjectName(QStringLiteral("tourAction"));
    connect(m_tourAction, &QAction::triggered, this, &MainWindow::showTour);

    const QStringList pageNames { tr("&Tools"), tr("&Resources"), tr("&Prompts"), tr("&Identity"), tr("&Activity"),
        tr("Token Time&line"), tr("A&ccess") };
    for (int i = 0; i < pageNames.size(); ++i) {
        auto* a = new QAction(pageNames[i], this);
        a->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        connect(a, &QAction::triggered, this, [this, i] { m_pages->setCurrentIndex(i); });
        m_pageActions << a;
    }
    addActions({ m_searchAction, m_callAction, m_refreshAction });
    m_serverList->addActions(
        { m_connectAction, m_disconnectAction, m_reconnectAction, m_refreshAction, m_editAction, m_removeAction });
}

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_addAction);
    file->addAction(m_importAction);
    file->addAction(m_exportAction);
    file->addSeparator();
    file->addAction(m_quitAction);
    QMenu* server = menuBar()->addMenu(tr("&Server"));
    server->addAction(m_connectAction);
    server->addAction(m_disconnectAction);
    server->addAction(m_reconnectAction);
    server->addAction(m_refreshAction);
    server->addSeparator();
    server->addAction(m_editAction);
    server->addAction(m_removeAction);
    QMenu* tools = menuBar()->addMenu(tr("&Tools"));
    tools->addAction(m_searchAction);
    tools->addAction(m_callAction);
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addActions(m_pageActions);
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(m_tourAction);
    help->addAction(m_aboutAction);

    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(m_addAction);
    bar->addAction(m_refreshAction);
    bar->addAction(m_reconnectAction);
    auto* spacer = new QWidget(bar);
    spacer->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    bar->addWidget(spacer);
    // Account: sign in / the signed-in card / sign out, over the process-wide identity.
    m_account = new AccountButton(bar);
    m_account->setIdentity(auth::identity());
    connect(m_account, &AccountButton::errorOccurred, this, [this](const QString& text) { showMessage(text); });
    connect(m_account, &AccountButton::messageRaised, this,
        [this](const QString& text) { showMessage(text, MessageBar::Type::Positive); });
    connect(m_account, &AccountButton::noticeRaised, this,
        [this](const QString& text) { showMessage(text, MessageBar::Type::Information); });
    bar->addWidget(m_account);
    if (auth::IdentityManager* identity = auth::identity())
        connect(identity, &auth::IdentityManager::signedIn, this, &MainWindow::followAccount);
    // Which account each server got its identity from (the stored account loads asynchronously, so
    // this is taken when a server connects, not at start).
    const auto trackAll = [this] {
        for (ServerSession* s : m_manager->sessions()) {
            if (m_accountTracked.contains(s))
                continue;
            m_accountTracked.insert(s);
            connect(s, &QObject::destroyed, this, [this, s] { m_accountTracked.remove(s); });
            connect(s, &ServerSession::stateChanged, this, [s](ServerSession::State state) {
                if (state != ServerSession::State::Connected)
                    return;
                auth::IdentityManager* identity = auth::identity();
                s->setProperty(kConnectedAs,
                    identity && identity->isSignedIn() ? identity->account().username : QString());
            });
        }
    };
    trackAll();
    connect(m_manager, &SessionManager::sessionsReset, this, trackAll);
    connect(m_manager, &SessionManager::sessionAdded, this, trackAll);
}

void MainWindow::followAccount(const QString& username)
{
    allowBrowserSignIn();
    for (ServerSession* s : m_manager->sessions()) {
        if (!s->config().enabled || !ServerListModel::carriesAccount(s->config()))
            continue;
        const bool waitedForSignIn
            = s->state() == ServerSession::State::Error && s->lastError().kind == Error::Kind::Auth;
        const QString connectedAs = s->property(kConnectedAs).toString();
        const bool carriesOldAccount
            = s->state() == ServerSession::State::Connected && !connectedAs.isEmpty() && connectedAs != username;
        if (waitedForSignIn || carriesOldAccount)
            s->reconnect();
    }
}

void MainWindow::allowBrowserSignIn()
{
    if (auth::IdentityManager* identity = auth::identity())
        identity->setInteractive(true);
}

ServerSession* MainWindow::currentSession() const
{
    return m_current;
}

bool MainWindow::selectServer(const QString& name)
{
    ServerSession* s = m_manager->session(name);
    if (!s)
        return false;
    m_serverList->setCurrentIndex(m_serverModel->index(m_manager->indexOf(s)));
    return true;
}

void MainWindow::showPage(Page page)
{
    m_pages->setCurrentIndex(int(page));
}

MainWindow::Page MainWindow::currentPage() const
{
    return Page(m_pages->currentIndex());
}

void MainWindow::onCurrentServerChanged()
{
    ServerSession* session = m_manager->at(m_serverList->currentIndex().row());
    if (session == m_current && (session || m_currentConnections.isEmpty())) {
        updateHeader();
        updateBanner();
        updateActions();
        return;
    }
    for (const auto& c : std::as_const(m_currentConnections))
        disconnect(c);
    m_currentConnections.clear();
    m_current = session;
    m_messageBar->hideMessage();
    if (session) {
        auto refreshUi = [this] {
            updateHeader();
            updateBanner();
            updateActions();
        };
        m_currentConnections << connect(session, &ServerSession::stateChanged, this, refreshUi);
        m_currentConnections << connect(session, &ServerSession::connectionLostChanged, this, refreshUi);
        m_currentConnections << connect(session, &ServerSession::errorOccurred, this, [this](const Error& e) {
            updateHeader(); // the error can come after the state (e.g. "waiting for sign-in")
            updateBanner();
            // Connection failures go to the banner; everything else to the message bar.
            if (m_current && m_current->state() != ServerSession::State::Error)
                showMessage(e.message);
        });
        m_currentConnections << connect(session, &ServerSession::toolsChanged, this, &MainWindow::updateTabTitles);
        m_currentConnections << connect(session, &ServerSession::toolsReset, this, &MainWindow::updateTabTitles);
        m_currentConnections << connect(session, &ServerSession::resourcesChanged, this, &MainWindow::updateTabTitles);
        m_currentConnections << connect(
            session, &ServerSession::resourceTemplatesChanged, this, &MainWindow::updateTabTitles);
        m_currentConnections << connect(session, &ServerSession::promptsChanged, this, &MainWindow::updateTabTitles);
        m_currentConnections << connect(session, &ServerSession::refreshingChanged, this, &MainWindow::updateHeader);
    }
    m_tools->setSession(session);
    m_resources->setSession(session);
    m_prompts->setSession(session);
    m_identity->setSession(session);
    m_activity->setSession(session);
    updateHeader();
    updateBanner();
    updateActions();
    updateTabTitles();
}

void MainWindow::updateHeader()
{
    if (!m_current) {
        m_serverTitle->setText(m_manager->count() == 0 ? tr("No servers yet") : tr("No server selected"));
        m_serverEndpoint->setText(m_manager->count() == 0 && !m_configBroken
                ? tr("Add one with File → Add Server… or import them from VS Code, Claude Desktop or Cursor.")
                : QString());
        m_serverState->clear();
        m_connectButton->hide();
        return;
    }
    const ServerConfig& c = m_current->config();
    QString title = m_current->name();
    const ServerInfo info = m_current->serverInfo();
    const QString implementation = qs(info.implementation, "title", qs(info.implementation, "name"));
    if (!implementation.isEmpty() && m_current->state() == ServerSession::State::Connected)
        title += QStringLiteral("  \u00b7  ") + implementation;
    m_serverTitle->setText(title);
    QString endpoint
        = c.isStdio() ? QStringList(QStringList { c.command } + c.args).join(QLatin1Char(' ')) : c.url.toString();
    if (!info.protocolVersion.isEmpty() && m_current->state() == ServerSession::State::Connected)
        endpoint += tr("  \u00b7  MCP %1").arg(info.protocolVersion);
    m_serverEndpoint->setText(endpoint);
    QString state;
    QColor color = palette().color(QPalette::WindowText);
    switch (m_current->state()) {
    case ServerSession::State::Disconnected:
        state = tr("Disconnected");
        break;
    case ServerSession::State::Connecting:
        state = tr("Connecting…");
        color = ui::warningColor();
        break;
    case ServerSession::State::Connected:
        state = m_current->isRefreshing() ? tr("Connected, loading…") : tr("Connected");
        color = ui::successColor();
        break;
    case ServerSession::State::Error:
        if (ServerListModel::waitsForSignIn(m_current)) {
            state = tr("Waiting for sign-in");
            color = ui::warningColor();
            break;
        }
        state = m_current->connectionLost() ? tr("Unreachable") : tr("Failed");
        color = ui::errorColor();
        break;
    }
    QPalette pal = m_serverState->palette();
    pal.setColor(QPalette::WindowText, color);
    m_serverState->setPalette(pal);
    m_serverState->setText(state);
    const bool active = m_current->state() == ServerSession::State::Connected
        || m_current->state() == ServerSession::State::Connecting;
    m_connectButton->setText(active ? tr("Disconnect") : tr("Connect"));
    m_connectButton->setIcon(ui::icon(active ? QStringLiteral("disconnect") : QStringLiteral("connect")));
    m_connectButton->setAccessibleName(
        active ? tr("Disconnect from %1").arg(m_current->name()) : tr("Connect to %1").arg(m_current->name()));
    m_connectButton->show();
}

void MainWindow::updateBanner()
{
    if (!m_current || m_current->state() != ServerSession::State::Error) {
        m_banner->hideMessage();
        return;
    }
    const QString message = m_current->lastError().message;
    if (ServerListModel::waitsForSignIn(m_current)) {
        m_banner->showMessage(
            tr("%1 gets your identity: sign in to connect. It connects on its own once you are signed in.")
                .arg(m_current->name()),
            MessageBar::Type::Warning, tr("Sign in"), false);
    } else if (m_current->connectionLost()) {
        m_banner->showMessage(tr("Lost the connection to %1. %2").arg(m_current->name(), message),
            MessageBar::Type::Error, tr("Reconnect"), false);
    } else {
        m_banner->showMessage(tr("Could not connect to %1. %2").arg(m_current->name(), message),
            MessageBar::Type::Error, tr("Try again"), false);
    }
}

void MainWindow::updateActions()
{
    const bool has = m_current;
    const auto state = has ? m_current->state() : ServerSession::State::Disconnected;
    m_connectAction->setEnabled(
        has && (state == ServerSession::State::Disconnected || state == ServerSession::State::Error));
    m_disconnectAction->setEnabled(
        has && (state == ServerSession::State::Connected || state == ServerSession::State::Connecting));
    m_reconnectAction->setEnabled(has);
    m_refreshAction->setEnabled(has);
    m_editAction->setEnabled(has && !m_configBroken);
    m_removeAction->setEnabled(has && !m_configBroken);
    m_addAction->setEnabled(!m_configBroken);
    m_importAction->setEnabled(!m_configBroken);
    m_exportAction->setEnabled(m_manager->count() > 0);
    m_callAction->setEnabled(has && state == ServerSession::State::Connected);
    for (auto* name : { "addServerButton", "editServerButton", "removeServerButton" }) {
        if (auto* b = findChild<QToolButton*>(QLatin1String(name)))
            b->setEnabled(qstrcmp(name, "addServerButton") == 0 ? !m_configBroken : has && !m_configBroken);
    }
}

void MainWindow::updateTabTitles()
{
    const auto count = [](const json& list) { return list.is_array() ? int(list.size()) : 0; };
    const bool has = m_current;
    const int tools = has ? count(m_current->tools()) : 0;
    const int resources = has ? count(m_current->resources()) + count(m_current->resourceTemplates()) : 0;
    const int prompts = has ? count(m_current->prompts()) : 0;
    const QLocale locale;
    m_pages->setTabText(0, tools ? tr("Tools (%1)").arg(locale.toString(tools)) : tr("Tools"));
    m_pages->setTabText(1, resources ? tr("Resources (%1)").arg(resources) : tr("Resources"));
    m_pages->setTabText(2, prompts ? tr("Prompts (%1)").arg(prompts) : tr("Prompts"));
}

void MainWindow::showConfigError(const Error& error)
{
    m_configBroken = true;
    m_messageBar->showMessage(tr("Lanyard could not load its configuration, so it shows no servers and will not change "
                                 "the file. %1")
                                  .arg(error.message),
        MessageBar::Type::Error, QString(), false);
    updateHeader();
    updateActions();
}

void MainWindow::showMessage(const QString& text, MessageBar::Type type)
{
    if (m_configBroken && type != MessageBar::Type::Positive)
        return; // keep the configuration problem visible
    m_messageBar->showMessage(text, type);
}

void MainWindow::connectCurrent()
{
    allowBrowserSignIn();
    if (m_current)
        m_current->connectToServer();
}

void MainWindow::disconnectCurrent()
{
    if (m_current)
        m_current->disconnectFromServer();
}

void MainWindow::reconnectCurrent()
{
    allowBrowserSignIn();
    if (m_current) {
        m_banner->hideMessage();
        m_current->reconnect();
    }
}

void MainWindow::refresh()
{
    if (!m_current)
        return;
    allowBrowserSignIn();
    if (m_current->state() == ServerSession::State::Connected)
        m_current->refresh();
    else if (m_current->state() != ServerSession::State::Connecting)
        m_current->connectToServer();
}

void MainWindow::addServer()
{
    if (m_configBroken)
        return;
    ServerDialog dialog(m_manager, nullptr, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    Error error;
    const ServerConfig server = dialog.server();
    if (!m_manager->addServer(server, &error)) {
        showMessage(error.message);
        return;
    }
    selectServer(server.name);
    allowBrowserSignIn();
    if (server.enabled)
        m_manager->session(server.name)->connectToServer();
}

void MainWindow::editServer()
{
    if (!m_current || m_configBroken)
        return;
    const ServerConfig original = m_current->config();
    ServerDialog dialog(m_manager, &original, this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    Error error;
    if (!m_manager->updateServer(original.name, dialog.server(), &error)) {
        showMessage(error.message);
        return;
    }
    onCurrentServerChanged();
}

void MainWindow::removeServer()
{
    if (!m_current || m_configBroken)
        return;
    const QString name = m_current->name();
    QMessageBox box(QMessageBox::Question, tr("Remove Server"),
        tr("Remove \"%1\" from the configuration? Its call history and traffic log go with it.").arg(name),
        QMessageBox::NoButton, this);
    box.setObjectName(QStringLiteral("confirmRemove"));
    box.setTextFormat(Qt::PlainText);
    QPushButton* remove = box.addButton(tr("Remove"), QMessageBox::DestructiveRole);
    remove->setObjectName(QStringLiteral("confirmRemoveButton"));
    box.addButton(QMessageBox::Cancel);
    box.exec();
    if (box.clickedButton() != remove)
        return;
    Error error;
    if (!m_manager->removeServer(name, &error))
        showMessage(error.message);
}

void MainWindow::importServers()
{
    if (m_configBroken)
        return;
    const QString path = QFileDialog::getOpenFileName(this, tr("Import Servers"), QString(),
        tr("MCP server lists (*.json);;All files (*)"), nullptr, QFileDialog::DontUseNativeDialog);
    if (!path.isEmpty())
        importFrom(path);
}

void MainWindow::importFrom(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        showMessage(tr("Could not open %1: %2").arg(path, file.errorString()));
        return;
    }
    if (file.size() > 16 * 1024 * 1024) {
        showMessage(tr("%1 is larger than 16 MiB; that is not an MCP server list.").arg(path));
        return;
    }
    QStringList taken;
    for (ServerSession* s : m_manager->sessions())
        taken << s->name();
    Error error;
    const auto found = SessionManager::parseImport(file.readAll(), path, taken, &error);
    if (!found) {
        showMessage(error.message);
        return;
    }
    ImportDialog dialog(*found, QFileInfo(path).fileName(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    int added = 0;
    QStringList problems;
    for (const ServerConfig& s : dialog.selectedServers()) {
        Error e;
        if (m_manager->addServer(s, &e))
            ++added;
        else
            problems << e.message;
    }
    if (!problems.isEmpty())
        showMessage(tr("Imported %1 of the servers; some could not be added: %2")
                        .arg(added)
                        .arg(problems.join(QLatin1Char(' '))));
    else
        showMessage(
            added == 1 ? tr("Imported 1 server.") : tr("Imported %1 servers.").arg(added), MessageBar::Type::Positive);
}

void MainWindow::exportServers()
{
    const QString lanyardFilter = tr("Lanyard configuration (*.json)");
    const QString vscodeFilter = tr("VS Code mcp.json (*.json)");
    QString selected = lanyardFilter;
    const QString path
        = QFileDialog::getSaveFileName(this, tr("Export Servers"), QStringLiteral("lanyard-servers.json"),
            lanyardFilter + QStringLiteral(";;") + vscodeFilter, &selected, QFileDialog::DontUseNativeDialog);
    if (path.isEmpty())
        return;
    const json doc = selected == vscodeFilter ? m_manager->exportVsCode() : m_manager->exportDocument();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(dumpJson(doc, 2)) < 0 || !file.commit()) {
        showMessage(tr("Could not write %1: %2").arg(path, file.errorString()));
        return;
    }
    showMessage(tr("Exported %1 servers to %2.").arg(m_manager->count()).arg(path), MessageBar::Type::Positive);
}

void MainWindow::showTour()
{
    auto* tour = new TourDialog(this);
    tour->setAttribute(Qt::WA_DeleteOnClose);
    tour->open();
}

void MainWindow::about()
{
    QMessageBox box(this);
    box.setObjectName(QStringLiteral("aboutDialog"));
    box.setWindowTitle(tr("About Lanyard"));
    box.setIconPixmap(ui::appIcon().pixmap(64, 64));
    box.setTextFormat(Qt::PlainText);
    box.setText(tr("Lanyard %1").arg(QStringLiteral(LANYARD_VERSION)));
    box.setInformativeText(tr("A desktop client for MCP servers that carries one sign-in to every server.\n\n"
                              "Version %1 (revision %2)\nQt %3")
                               .arg(QStringLiteral(LANYARD_VERSION), QStringLiteral(LANYARD_GIT_REVISION),
                                   QString::fromLatin1(qVersion())));
    box.setStandardButtons(QMessageBox::Ok);
    box.exec();
}

void MainWindow::handleElicitation(ServerSession* session, const json& params, std::function<void(const json&)> reply)
{
    auto* dialog = new ElicitationDialog(session ? session->name() : tr("A server"), params, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    auto replied = std::make_shared<bool>(false);
    connect(dialog, &ElicitationDialog::answered, this, [reply, replied](const json& result) {
        if (*replied)
            return;
        *replied = true;
        reply(result);
    });
    dialog->open();
    QApplication::alert(this);
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("mainWindow"));
    const QByteArray geometry = settings.value(QStringLiteral("geometry")).toByteArray();
    if (!geometry.isEmpty())
        restoreGeometry(geometry);
    restoreState(settings.value(QStringLiteral("state")).toByteArray());
    const QByteArray split = settings.value(QStringLiteral("splitter")).toByteArray();
    if (!split.isEmpty())
        m_splitter->restoreState(split);
    const QString last = settings.value(QStringLiteral("server")).toString();
    if (!last.isEmpty())
        selectServer(last);
    const int page = settings.value(QStringLiteral("page"), 0).toInt();
    if (page >= 0 && page < m_pages->count())
        m_pages->setCurrentIndex(page);
    settings.endGroup();
}

void MainWindow::saveSettings() const
{
    QSettings settings;
    settings.beginGroup(QStringLiteral("mainWindow"));
    settings.setValue(QStringLiteral("geometry"), saveGeometry());
    settings.setValue(QStringLiteral("state"), saveState());
    settings.setValue(QStringLiteral("splitter"), m_splitter->saveState());
    settings.setValue(QStringLiteral("server"), m_current ? m_current->name() : QString());
    settings.setValue(QStringLiteral("page"), m_pages->currentIndex());
    settings.endGroup();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    saveSettings();
    QMainWindow::closeEvent(event);
}

} // namespace lanyard
