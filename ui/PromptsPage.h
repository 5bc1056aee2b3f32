// SPDX-License-Identifier: MIT
#pragma once

#include "session/ServerSession.h"
#include "util/Json.h"

#include <QMap>
#include <QPointer>
#include <QWidget>

class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QStandardItemModel;

namespace lanyard {

class ContentView;

// Prompts of one server: pick one, fill its arguments (with completion where offered), get it and
// read the messages.
class PromptsPage : public QWidget
{
    Q_OBJECT
public:
    explicit PromptsPage(QWidget* parent = nullptr);
    void setSession(ServerSession* session);
    bool selectPrompt(const QString& name);
    void getCurrent();
    ContentView* contentView() const { return m_content; }

private:
    void rebuildModel();
    void onCurrentChanged();
    void showPrompt(const json& prompt);
    void updateButtons();
    void updateEmptyState();

    QPointer<ServerSession> m_session;
    QList<QMetaObject::Connection> m_connections;
    QStandardItemModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QLineEdit* m_search;
    QListView* m_list;
    QStackedWidget* m_stack;
    QLabel* m_placeholder;
    QLabel* m_title;
    QLabel* m_name;
    QLabel* m_description;
    QGroupBox* m_argumentBox;
    QFormLayout* m_argumentForm;
    QMap<QString, QLineEdit*> m_arguments;
    QStringList m_required;
    QLabel* m_hint;
    QPushButton* m_get;
    ContentView* m_content;
    json m_current;
    quint64 m_serial = 0;
};

} // namespace lanyard
