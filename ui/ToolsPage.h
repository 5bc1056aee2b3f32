// SPDX-License-Identifier: MIT
#pragma once

#include "session/ServerSession.h"
#include "util/Json.h"

#include <QHash>
#include <QPointer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QListView;
class QProgressBar;
class QPushButton;
class QStackedWidget;
class QTabWidget;
class QToolButton;
class QHBoxLayout;

namespace lanyard {

class CallHistoryModel;
class ContentView;
class PendingRequest;
class RawJsonEditor;
class SchemaForm;
class ToolFilterModel;
class ToolListModel;

// The Tools page: a filterable list of the server's tools, a form generated from the selected
// tool's input schema (with a raw JSON editor kept in sync), Call with progress and Cancel, the
// result, and the per-server call history with re-run.
class ToolsPage : public QWidget
{
    Q_OBJECT
public:
    explicit ToolsPage(QWidget* parent = nullptr);
    ~ToolsPage() override;

    void setSession(ServerSession* session);
    ServerSession* session() const { return m_session; }

    void focusSearch();
    // Calls the selected tool with the arguments shown. False (with a reason shown) if it cannot.
    bool callCurrentTool();
    void cancelCall();
    bool selectTool(const QString& name);
    QString currentToolName() const { return m_currentTool; }
    bool isCallRunning() const;

    ContentView* resultView() const { return m_result; }
    SchemaForm* form() const { return m_form; }
    RawJsonEditor* rawEditor() const { return m_raw; }

signals:
    void resourceLinkActivated(const QString& uri);

private:
    struct SessionState
    {
        QPointer<PendingRequest> running;
        QString runningTool;
        double progress = -1;
        double total = -1;
        QString progressMessage;
        bool hasResult = false;
        json result;
        QString resultTool;
        QString error;
        bool cancelled = false;
        qint64 elapsedMs = 0;
        QString selectedTool;
    };

    void onToolsReset();
    void onToolsAppended();
    void onToolsComplete();
    // Re-selects the tool that was selected before the list was refreshed (it may come with a later
    // page); `final` when the list is complete.
    void restoreSelection(bool final);
    void onCurrentChanged();
    void showTool(const json& tool);
    void setRawMode(bool raw);
    void updateCallButtons();
    void updateEmptyState();
    void updateCount();
    void showProgress(const SessionState& state);
    void showLastResult(const SessionState& state);
    void rerunSelected();
    void rememberArguments();
    bool confirmDestructive(const QString& toolTitle);
    json currentArguments(bool* ok, QString* why) const;
    SessionState& state();

    QPointer<ServerSession> m_session;
    QList<QMetaObject::Connection> m_sessionConnections;
    QHash<ServerSession*, SessionState> m_states;
    QHash<QString, json> m_arguments; // "<server>\n<tool>" → last arguments entered
    QString m_currentTool;
    QString m_pendingSelection;
    json m_currentToolJson;
    bool m_syncing = false;

    ToolListModel* m_model;
    ToolFilterModel* m_filter;
    CallHistoryModel* m_history;
    QLineEdit* m_search;
    QLabel* m_count;
    QListView* m_list;
    QStackedWidget* m_rightStack;
    QLabel* m_placeholder;
    QLabel* m_title;
    QLabel* m_name;
    QWidget* m_badges;
    QHBoxLayout* m_badgeLayout;
    QLabel* m_description;
    QToolButton* m_rawToggle;
    QStackedWidget* m_argumentStack;
    SchemaForm* m_form;
    RawJsonEditor* m_raw;
    QLabel* m_callHint;
    QProgressBar* m_progress;
    QLabel* m_progressMessage;
    QPushButton* m_cancel;
    QPushButton* m_call;
    QTabWidget* m_resultTabs;
    ContentView* m_result;
    QListView* m_historyList;
    QPushButton* m_rerun;
};

} // namespace lanyard
