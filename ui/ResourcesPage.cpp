// SPDX-License-Identifier: MIT
#include "ResourcesPage.h"

#include "ArgumentCompleter.h"
#include "ContentView.h"
#include "Icons.h"
#include "ServerListModel.h"
#include "UriTemplate.h"
#include "session/ServerSession.h"

#include <QDateTime>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardItemModel>
#include <QTreeView>
#include <QVBoxLayout>

namespace lanyard {

namespace {
constexpr int KindRole = Qt::UserRole + 1;
constexpr int IndexRole = Qt::UserRole + 2;
} // namespace

ResourcesPage::ResourcesPage(QWidget* parent)
    : QWidget(parent)
{
    m_model = new QStandardItemModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setRecursiveFilteringEnabled(true);
    m_proxy->setFilterRole(Qt::ToolTipRole);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(QStringLiteral("resourcesSplitter"));
    split->setChildrenCollapsible(false);
    layout->addWidget(split);

    auto* left = new QWidget(split);
    auto* lv = new QVBoxLayout(left);
    lv->setContentsMargins(0, 0, 4, 0);
    m_search = new QLineEdit(left);
    m_search->setObjectName(QStringLiteral("resourceSearch"));
    m_search->setPlaceholderText(tr("Filter resources"));
    m_search->setClearButtonEnabled(true);
    m_search->addAction(ui::icon(QStringLiteral("search")), QLineEdit::LeadingPosition);
    m_search->setAccessibleName(tr("Filter resources"));
    m_tree = new QTreeView(left);
    m_tree->setObjectName(QStringLiteral("resourceTree"));
    m_tree->setAccessibleName(tr("Resources and templates"));
    m_tree->setModel(m_proxy);
    m_tree->setHeaderHidden(true);
    m_tree->setUniformRowHeights(true);
    m_tree->setEditTriggers(QAbstractItemView::NoEditTriggers);
    lv->addWidget(m_search);
    lv->addWidget(m_tree, 1);

    m_stack = new QStackedWidget(split);
    m_placeholder = new QLabel(m_stack);
    m_placeholder->setObjectName(QStringLiteral("resourcesPlaceholder"));
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_placeholder->setForegroundRole(QPalette::PlaceholderText);
    m_stack->addWidget(m_placeholder);

    auto* detailSplit = new QSplitter(Qt::Vertical, m_stack);
    detailSplit->setChildrenCollapsible(false);
    auto* details = new QWidget(detailSplit);
    auto* dv = new QVBoxLayout(details);
    dv->setContentsMargins(8, 0, 0, 0);
    m_title = new QLabel(details);
    m_title->setObjectName(QStringLiteral("resourceTitle"));
    m_title->setTextFormat(Qt::PlainText);
    QFont tf = m_title->font();
    tf.setPointSizeF(tf.pointSizeF() * 1.3);
    tf.setBold(true);
    m_title->setFont(tf);
    m_uri = new QLabel(details);
    m_uri->setObjectName(QStringLiteral("resourceUri"));
    m_uri->setTextFormat(Qt::PlainText);
    m_uri->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_uri->setFont(mono);
    m_meta = new QLabel(details);
    m_meta->setTextFormat(Qt::PlainText);
    m_meta->setForegroundRole(QPalette::PlaceholderText);
    m_description = new QLabel(details);
    m_description->setTextFormat(Qt::PlainText);
    m_description->setWordWrap(true);
    m_templateBox = new QGroupBox(tr("Template variables"), details);
    m_templateBox->setObjectName(QStringLiteral("templateBox"));
    m_templateForm = new QFormLayout(m_templateBox);
    auto* buttons = new QHBoxLayout();
    m_read = new QPushButton(ui::icon(QStringLiteral("open")), tr("Read"), details);
    m_read->setObjectName(QStringLiteral("readButton"));
    m_read->setDefault(true);
    m_read->setToolTip(tr("Read the resource (resources/read)"));
    m_subscribe = new QPushButton(ui::icon(QStringLiteral("subscribe")), tr("Subscribe"), details);
    m_subscribe->setObjectName(QStringLiteral("subscribeButton"));
    m_subscribe->setCheckable(true);
    m_subscribe->setToolTip(tr("Get notified when the server says this resource changed"));
    buttons->addWidget(m_read);
    buttons->addWidget(m_subscribe);
    buttons->addStretch(1);
    dv->addWidget(m_title);
    dv->addWidget(m_uri);
    dv->addWidget(m_meta);
    dv->addWidget(m_description);
    dv->addWidget(m_templateBox);
    dv->addLayout(buttons);
    m_content = new ContentView(details);
    m_content->setObjectName(QStringLiteral("resourceContent"));
    m_content->showPlaceholder(tr("Read the resource to see its content."));
    dv->addWidget(m_content, 1);

    auto* updatesBox = new QGroupBox(tr("Updates"), detailSplit);
    auto* uv = new QVBoxLayout(updatesBox);
    m_updates = new QListWidget(updatesBox);
    m_updates->setObjectName(QStringLiteral("updatesList"));
    m_updates->setAccessibleName(tr("Resource updates"));
    uv->addWidget(m_updates);
    detailSplit->addWidget(details);
    detailSplit->addWidget(updatesBox);
    detailSplit->setStretchFactor(0, 5);
    detailSplit->setStretchFactor(1, 1);
    m_stack->addWidget(detailSplit);

    split->addWidget(left);
    split->addWidget(m_stack);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 3);
    split->setSizes({ 320, 900 });

    connect(m_search, &QLineEdit::textChanged, m_proxy, [this](const QString& text) {
        m_proxy->setFilterFixedString(text);
        m_tree->expandAll();
    });
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this, &ResourcesPage::onCurrentChanged);
    connect(m_read, &QPushButton::clicked, this, &ResourcesPage::readCurrent);
    connect(m_subscribe, &QPushButton::clicked, this, [this](bool on) {
        const QString uri = currentUri();
        if (!m_session || uri.isEmpty())
            return;
        PendingRequest* request = on ? m_session->subscribeResource(uri) : m_session->unsubscribeResource(uri);
        connect(request, &PendingRequest::failed, this, [this](const Error& e) {
            m_content->showError(tr("Could not change the subscription: %1").arg(e.message));
            updateButtons();
        });
    });
    setSession(nullptr);
}

void ResourcesPage::setSession(ServerSession* session)
{
    for (const auto& c : std::as_const(m_connections))
        disconnect(c);
    m_connections.clear();
    m_session = session;
    m_kind = Kind::None;
    m_current = json();
    m_updates->clear();
    ++m_readSerial;
    if (session) {
        m_connections << connect(session, &ServerSession::resourcesChanged, this, &ResourcesPage::rebuildModel);
        m_connections << connect(session, &ServerSession::resourceTemplatesChanged, this, &ResourcesPage::rebuildModel);
        // The error that says why the session is not connected (waiting for sign-in, say) may come
        // after the state.
        m_connections << connect(session, &ServerSession::errorOccurred, this, [this] { updateEmptyState(); });
        m_connections << connect(session, &ServerSession::stateChanged, this, [this] {
            updateEmptyState();
            updateButtons();
        });
        m_connections << connect(session, &ServerSession::subscriptionsChanged, this, &ResourcesPage::updateButtons);
        m_connections << connect(session, &ServerSession::resourceUpdated, this, [this](const QString& uri) {
            auto* item = new QListWidgetItem(ui::icon(QStringLiteral("subscribe")),
                tr("%1  %2 changed").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), uri));
            m_updates->insertItem(0, item);
            while (m_updates->count() > 200)
                delete m_updates->takeItem(m_updates->count() - 1);
            if (uri == currentUri() && m_kind != Kind::Template)
                readCurrent();
        });
        m_connections << connect(session, &QObject::destroyed, this, [this] { setSession(nullptr); });
    }
    rebuildModel();
    m_content->showPlaceholder(tr("Read the resource to see its content."));
}

void ResourcesPage::rebuildModel()
{
    const QString keepUri = m_kind == Kind::Resource ? qs(m_current, "uri") : QString();
    const QString keepTemplate = m_kind == Kind::Template ? qs(m_current, "uriTemplate") : QString();
    m_model->clear();
    const json resources = m_session ? m_session->resources() : json::array();
    const json templates = m_session ? m_session->resourceTemplates() : json::array();
    auto* resourcesRoot
        = new QStandardItem(ui::icon(QStringLiteral("resource")), tr("Resources (%1)").arg(resources.size()));
    resourcesRoot->setSelectable(false);
    resourcesRoot->setData(tr("Resources"), Qt::ToolTipRole);
    auto* templatesRoot
        = new QStandardItem(ui::icon(QStringLiteral("braces")), tr("Templates (%1)").arg(templates.size()));
    templatesRoot->setSelectable(false);
    templatesRoot->setData(tr("Templates"), Qt::ToolTipRole);
    QModelIndex keep;
    int i = 0;
    for (const auto& r : resources) {
        const QString uri = qs(r, "uri");
        const QString name = qs(r, "title", qs(r, "name", uri));
        auto* item = new QStandardItem(name);
        item->setData(QStringLiteral("%1\n%2\n%3").arg(name, uri, qs(r, "description").left(300)), Qt::ToolTipRole);
        item->setData(int(Kind::Resource), KindRole);
        item->setData(i++, IndexRole);
        item->setData(uri, Qt::AccessibleDescriptionRole);
        resourcesRoot->appendRow(item);
    }
    i = 0;
    for (const auto& t : templates) {
        const QString pattern = qs(t, "uriTemplate");
        const QString name = qs(t, "title", qs(t, "name", pattern));
        auto* item = new QStandardItem(name);
        item->setData(QStringLiteral("%1\n%2\n%3").arg(name, pattern, qs(t, "description").left(300)), Qt::ToolTipRole);
        item->setData(int(Kind::Template), KindRole);
        item->setData(i++, IndexRole);
        templatesRoot->appendRow(item);
    }
    m_model->appendRow(resourcesRoot);
    m_model->appendRow(templatesRoot);
    m_tree->expandAll();
    // Keep the selection across refreshes.
    for (int r = 0; r < resourcesRoot->rowCount() && !keepUri.isEmpty(); ++r) {
        const int index = resourcesRoot->child(r)->data(IndexRole).toInt();
        if (qs(resources[size_t(index)], "uri") == keepUri)
            keep = m_proxy->mapFromSource(resourcesRoot->child(r)->index());
    }
    for (int r = 0; r < templatesRoot->rowCount() && !keepTemplate.isEmpty(); ++r) {
        const int index = templatesRoot->child(r)->data(IndexRole).toInt();
        if (qs(templates[size_t(index)], "uriTemplate") == keepTemplate)
            keep = m_proxy->mapFromSource(templatesRoot->child(r)->index());
    }
    if (keep.isValid()) {
        const QSignalBlocker block(m_tree->selectionModel());
        m_tree->setCurrentIndex(keep);
    } else if (m_kind != Kind::AdHoc) {
        m_kind = Kind::None;
        m_current = json();
    }
    updateEmptyState();
    updateButtons();
}

void ResourcesPage::updateEmptyState()
{
    QString text;
    const bool hasItems = m_session && (!m_session->resources().empty() || !m_session->resourceTemplates().empty());
    if (!m_session)
        text = tr("Select a server on the left to see its resources.");
    else if (!hasItems && m_session->state() != ServerSession::State::Connected)
        text = ServerListModel::waitsForSignIn(m_session)
            ? tr("Sign in (the account button at the top right) to see the resources of %1.").arg(m_session->name())
            : tr("Connect to %1 to see its resources.").arg(m_session->name());
    else if (!hasItems && m_kind != Kind::AdHoc)
        text = tr("%1 offers no resources.").arg(m_session->name());
    else if (m_kind == Kind::None)
        text = tr("Select a resource or a template.");
    m_placeholder->setText(text);
    m_stack->setCurrentIndex(text.isEmpty() ? 1 : 0);
}

void ResourcesPage::onCurrentChanged()
{
    const QModelIndex source = m_proxy->mapToSource(m_tree->currentIndex());
    QStandardItem* item = m_model->itemFromIndex(source);
    if (!item || !m_session || !item->data(KindRole).isValid()) {
        m_kind = Kind::None;
        updateEmptyState();
        return;
    }
    const Kind kind = Kind(item->data(KindRole).toInt());
    const size_t index = size_t(item->data(IndexRole).toInt());
    if (kind == Kind::Resource && index < m_session->resources().size())
        showResource(m_session->resources()[index]);
    else if (kind == Kind::Template && index < m_session->resourceTemplates().size())
        showTemplate(m_session->resourceTemplates()[index]);
    updateEmptyState();
    updateButtons();
}

void ResourcesPage::showResource(const json& resource)
{
    m_kind = Kind::Resource;
    m_current = resource;
    ++m_readSerial;
    m_title->setText(qs(resource, "title", qs(resource, "name")));
    m_uri->setText(qs(resource, "uri"));
    QStringList meta;
    if (!qs(resource, "mimeType").isEmpty())
        meta << qs(resource, "mimeType");
    if (resource.contains("size") && resource["size"].is_number())
        meta << QLocale().formattedDataSize(resource["size"].get<qint64>());
    m_meta->setText(meta.join(QStringLiteral(" · ")));
    m_meta->setVisible(!meta.isEmpty());
    m_description->setText(qs(resource, "description").left(1500));
    m_description->setVisible(!m_description->text().isEmpty());
    m_templateBox->hide();
    m_content->showPlaceholder(tr("Read the resource to see its content."));
}

void ResourcesPage::showTemplate(const json& resourceTemplate)
{
    m_kind = Kind::Template;
    m_current = resourceTemplate;
    ++m_readSerial;
    const QString pattern = qs(resourceTemplate, "uriTemplate");
    m_title->setText(qs(resourceTemplate, "title", qs(resourceTemplate, "name")));
    m_uri->setText(pattern);
    m_meta->setText(qs(resourceTemplate, "mimeType"));
    m_meta->setVisible(!m_meta->text().isEmpty());
    m_description->setText(qs(resourceTemplate, "description").left(1500));
    m_description->setVisible(!m_description->text().isEmpty());
    while (m_templateForm->rowCount() > 0)
        m_templateForm->removeRow(0);
    m_variables.clear();
    m_completers.clear();
    const UriTemplate tmpl(pattern);
    for (const QString& name : tmpl.variables()) {
        auto* edit = new QLineEdit(m_templateBox);
        edit->setObjectName(QStringLiteral("templateVar:") + name);
        edit->setAccessibleName(name);
        m_templateForm->addRow(name, edit);
        m_variables.insert(name, edit);
        QPointer<ServerSession> session = m_session;
        auto* completer = new ArgumentCompleter(
            edit,
            [this, session, pattern, name](const QString& value) -> PendingRequest* {
                if (!session || !session->hasCapability("completions"))
                    return nullptr;
                json context = json::object();
                for (auto it = m_variables.cbegin(); it != m_variables.cend(); ++it) {
                    if (it.key() != name && !it.value()->text().isEmpty())
                        context[it.key().toStdString()] = it.value()->text().toStdString();
                }
                return session->complete(
                    json { { "type", "ref/resource" }, { "uri", pattern.toStdString() } }, name, value, context);
            },
            edit);
        m_completers << completer;
        connect(edit, &QLineEdit::textChanged, this, [this, tmpl] {
            QMap<QString, QString> values;
            for (auto it = m_variables.cbegin(); it != m_variables.cend(); ++it)
                values.insert(it.key(), it.value()->text());
            m_uri->setText(tmpl.expand(values));
            updateButtons();
        });
        connect(edit, &QLineEdit::returnPressed, this, &ResourcesPage::readCurrent);
    }
    m_templateBox->setVisible(!m_variables.isEmpty());
    m_content->showPlaceholder(tr("Fill in the variables and read the resource."));
}

QString ResourcesPage::currentUri() const
{
    switch (m_kind) {
    case Kind::Resource:
        return qs(m_current, "uri");
    case Kind::AdHoc:
        return m_adHocUri;
    case Kind::Template: {
        QMap<QString, QString> values;
        for (auto it = m_variables.cbegin(); it != m_variables.cend(); ++it) {
            if (it.value()->text().isEmpty())
                return QString();
            values.insert(it.key(), it.value()->text());
        }
        return UriTemplate(qs(m_current, "uriTemplate")).expand(values);
    }
    case Kind::None:
        break;
    }
    return QString();
}

void ResourcesPage::updateButtons()
{
    const bool connected = m_session && m_session->state() == ServerSession::State::Connected;
    const QString uri = currentUri();
    m_read->setEnabled(connected && !uri.isEmpty());
    const json caps = m_session && m_session->client() ? m_session->serverInfo().capabilities : json::object();
    const bool canSubscribe = connected && caps.is_object() && caps.contains("resources")
        && caps["resources"].is_object() && caps["resources"].value("subscribe", json()) == true;
    m_subscribe->setVisible(m_kind != Kind::Template);
    m_subscribe->setEnabled(canSubscribe && !uri.isEmpty());
    m_subscribe->setToolTip(canSubscribe ? tr("Get notified when the server says this resource changed")
                                         : tr("This server does not offer resource subscriptions"));
    const QSignalBlocker block(m_subscribe);
    m_subscribe->setChecked(m_session && m_session->isSubscribed(uri));
    m_subscribe->setText(m_subscribe->isChecked() ? tr("Subscribed") : tr("Subscribe"));
}

void ResourcesPage::readCurrent()
{
    const QString uri = currentUri();
    if (!m_session || uri.isEmpty())
        return;
    const quint64 serial = ++m_readSerial;
    m_content->showPlaceholder(tr("Reading %1…").arg(uri));
    PendingRequest* request = m_session->readResource(uri);
    QPointer<PendingRequest> guard(request);
    connect(request, &PendingRequest::finished, this, [this, serial, guard](const json& result) {
        if (serial == m_readSerial)
            m_content->showResourceContents(result, guard ? guard->elapsedMs() : 0);
    });
    connect(request, &PendingRequest::failed, this, [this, serial, uri](const Error& e) {
        if (serial == m_readSerial)
            m_content->showError(tr("Could not read %1: %2").arg(uri, e.message));
    });
}

void ResourcesPage::openUri(const QString& uri)
{
    if (!m_session)
        return;
    const json& resources = m_session->resources();
    for (int r = 0; r < m_model->rowCount(); ++r) {
        QStandardItem* root = m_model->item(r);
        for (int c = 0; c < root->rowCount(); ++c) {
            QStandardItem* item = root->child(c);
            if (Kind(item->data(KindRole).toInt()) != Kind::Resource)
                continue;
            const size_t index = size_t(item->data(IndexRole).toInt());
            if (index < resources.size() && qs(resources[index], "uri") == uri) {
                m_search->clear();
                m_tree->setCurrentIndex(m_proxy->mapFromSource(item->index()));
                readCurrent();
                return;
            }
        }
    }
    // Not in the list (links may point anywhere the server can read): read it directly.
    m_tree->clearSelection();
    m_kind = Kind::AdHoc;
    m_adHocUri = uri;
    m_current = json::object();
    m_title->setText(tr("Linked resource"));
    m_uri->setText(uri);
    m_meta->hide();
    m_description->hide();
    m_templateBox->hide();
    updateEmptyState();
    updateButtons();
    readCurrent();
}

} // namespace lanyard
