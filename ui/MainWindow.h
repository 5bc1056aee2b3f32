// SPDX-License-Identifier: MIT
#pragma once

#include "MessageBar.h"
#include "session/SessionManager.h"
#include "util/Error.h"
#include "util/Json.h"

#include <QMainWindow>
#include <QSet>
#include <QPointer>

#include <functional>

class QAction;
class QLabel;
class QListView;
class QPushButton;
class QSplitter;
class QTabWidget;
class QToolButton;

namespace lanyard {

class AccessMatrixPage;
class AccountButton;
class ActivityPage;
class IdentityPage;
class TimelinePage;
class PromptsPage;
class ResourcesPage;
class ServerListModel;
class ToolsPage;

// The desktop window: server sidebar, a header for the selected server, the connection banner
// and message bar, and the pages Tools, Resources, Prompts, Identity (placeholder) and Activity.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    enum class Page { Tools, Resources, Prompts, Identity, Activity, Timeline, Access };
    Q_ENUM(Page)

    explicit MainWindow(SessionManager* manager, QWidget* parent = nullptr);
    ~MainWindow() override;

    SessionManager* manager() const { return m_manager; }
    ServerSession* currentSession() const;
    bool selectServer(const QString& name);
    void showPage(Page page);
    Page currentPage() const;

    ToolsPage* toolsPage() const { return m_tools; }
    ResourcesPage* resourcesPage() const { return m_resources; }
    PromptsPage* promptsPage() const { return m_prompts; }
    ActivityPage* activityPage() const { return m_activity; }
    IdentityPage* identityPage() const { return m_identity; }
    TimelinePage* timelinePage() const { return m_timeline; }
    AccessMatrixPage* accessPage() const { return m_access; }
    AccountButton* accountButton() const { return m_account; }
    MessageBar* messageBar() const { return m_messageBar; }
    MessageBar* connectionBanner() const { return m_banner; }

    // Called when the configuration failed to load: reported, never overwritten.
    void showConfigError(const Error& error);
    // Plain-language message in the message bar. While the configuration could not be loaded, only a
    // success (the answer to something the person just did) may take that report's place.
    void showMessage(const QString& text, MessageBar::Type type = MessageBar::Type::Error);

    // Settings (geometry, splitter, last server and page) live under this QSettings group.
    void restoreSettings();
    void saveSettings() const;

public slots:
    void addServer();
    void editServer();
    void removeServer();
    void importServers();
    void importFrom(const QString& path);
    void exportServers();
    void refresh();
    void connectCurrent();
    void disconnectCurrent();
    void reconnectCurrent();
    void about();
    void showTour();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    // After a sign-in, reconnects the servers that failed for want of one; after a switch to another
    // account, every connected server that carries the account's identity (each must see the new one).
    void followAccount(const QString& username);
    // A connect the person asked for may open the browser to sign in (startup connects may not).
    void allowBrowserSignIn();
    void createActions();
    void createMenus();
    void onCurrentServerChanged();
    void updateHeader();
    void updateBanner();
    void updateActions();
    void updateTabTitles();
    void handleElicitation(ServerSession* session, const json& params, std::function<void(const json&)> reply);

    SessionManager* m_manager;
    ServerListModel* m_serverModel;
    QPointer<ServerSession> m_current;
    QList<QMetaObject::Connection> m_currentConnections;

    QSplitter* m_splitter;
    QListView* m_serverList;
    QLabel* m_serverTitle;
    QLabel* m_serverEndpoint;
    QLabel* m_serverState;
    QPushButton* m_connectButton;
    MessageBar* m_banner;
    MessageBar* m_messageBar;
    QTabWidget* m_pages;
    ToolsPage* m_tools;
    ResourcesPage* m_resources;
    PromptsPage* m_prompts;
    IdentityPage* m_identity;
    ActivityPage* m_activity;
    AccountButton* m_account;
    TimelinePage* m_timeline;
    AccessMatrixPage* m_access;

    QAction* m_addAction;
    QAction* m_importAction;
    QAction* m_exportAction;
    QAction* m_quitAction;
    QAction* m_editAction;
    QAction* m_removeAction;
    QAction* m_connectAction;
    QAction* m_disconnectAction;
    QAction* m_reconnectAction;
    QAction* m_refreshAction;
    QAction* m_searchAction;
    QAction* m_callAction;
    QAction* m_aboutAction;
    QAction* m_tourAction;
    QList<QAction*> m_pageActions;
    bool m_configBroken = false;
    QSet<const QObject*> m_accountTracked; // sessions whose connecting account is recorded
};

} // namespace lanyard
