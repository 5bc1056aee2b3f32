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
class QListWidget;
class QPushButton;
class QSortFilterProxyModel;
class QStackedWidget;
class QStandardItemModel;
class QTreeView;

namespace lanyard {

class ArgumentCompleter;
class ContentView;

// Resources and resource templates of one server: read and render them (text, JSON, images,
// binary), fill template variables (with completion/complete where the server offers it),
// subscribe to updates and show them.
class ResourcesPage : public QWidget
{
    Q_OBJECT
public:
    explicit ResourcesPage(QWidget* parent = nullptr);
    void setSession(ServerSession* session);

    // Selects the resource with this URI (or shows it as an ad-hoc URI) and reads it.
    void openUri(const QString& uri);
    void readCurrent();
    ContentView* contentView() const { return m_content; }

private:
    enum class Kind { None, Resource, Template, AdHoc };
    void rebuildModel();
    void onCurrentChanged();
    void showResource(const json& resource);
    void showTemplate(const json& resourceTemplate);
    void updateButtons();
    void updateEmptyState();
    QString currentUri() const;

    QPointer<ServerSession> m_session;
    QList<QMetaObject::Connection> m_connections;
    QStandardItemModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QLineEdit* m_search;
    QTreeView* m_tree;
    QStackedWidget* m_stack;
    QLabel* m_placeholder;
    QLabel* m_title;
    QLabel* m_uri;
    QLabel* m_meta;
    QLabel* m_description;
    QGroupBox* m_templateBox;
    QFormLayout* m_templateForm;
    QMap<QString, QLineEdit*> m_variables;
    QList<ArgumentCompleter*> m_completers;
    QPushButton* m_read;
    QPushButton* m_subscribe;
    ContentView* m_content;
    QListWidget* m_updates;
    Kind m_kind = Kind::None;
    json m_current;
    QString m_adHocUri;
    quint64 m_readSerial = 0;
};

} // namespace lanyard
