// SPDX-License-Identifier: MIT
#include "PromptsPage.h"

#include "ArgumentCompleter.h"
#include "ContentView.h"
#include "Icons.h"
#include "ServerListModel.h"
#include "session/ServerSession.h"

#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardItemModel>
#include <QVBoxLayout>

namespace lanyard {

namespace {
constexpr int NameRole = Qt::UserRole + 1;
}

PromptsPage::PromptsPage(QWidget* parent)
    : QWidget(parent)
{
    m_model = new QStandardItemModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterRole(Qt::ToolTipRole);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(QStringLiteral("promptsSplitter"));
    split->setChildrenCollapsible(false);
    layout->addWidget(split);

    auto* left = new QWidget(split);
    auto* lv = new QVBoxLayout(left);
    lv->setContentsMargins(0, 0, 4, 0);
    m_search = new QLineEdit(left);
    m_search->setObjectName(QStringLiteral("promptSearch"));
    m_search->setPlaceholderText(tr("Filter prompts"));
    m_search->setClearButtonEnabled(true);
    m_search->addAction(ui::icon(QStringLiteral("search")), QLineEdit::LeadingPosition);
    m_search->setAccessibleName(tr("Filter prompts"));
    m_list = new QListView(left);
    m_list->setObjectName(QStringLiteral("promptList"));
    m_list->setAccessibleName(tr("Prompts"));
    m_list->setModel(m_proxy);
    m_list->setUniformItemSizes(true);
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    lv->addWidget(m_search);
    lv->addWidget(m_list, 1);

    m_stack = new QStackedWidget(split);
    m_placeholder = new QLabel(m_stack);
    m_placeholder->setObjectName(QStringLiteral("promptsPlaceholder"));
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_placeholder->setForegroundRole(QPalette::PlaceholderText);
    m_stack->addWidget(m_placeholder);

    auto* details = new QWidget(m_stack);
    auto* dv = new QVBoxLayout(details);
    dv->setContentsMargins(8, 0, 0, 0);
    m_title = new QLabel(details);
    m_title->setObjectName(QStringLiteral("promptTitle"));
    m_title->setTextFormat(Qt::PlainText);
    QFont tf = m_title->font();
    tf.setPointSizeF(tf.pointSizeF() * 1.3);
    tf.setBold(true);
    m_title->setFont(tf);
    m_name = new QLabel(details);
    m_name->setTextFormat(Qt::PlainText);
    m_name->setForegroundRole(QPalette::PlaceholderText);
    m_description = new QLabel(details);
    m_description->setTextFormat(Qt::PlainText);
    m_description->setWordWrap(true);
    m_argumentBox = new QGroupBox(tr("Arguments"), details);
    m_argumentBox->setObjectName(QStringLiteral("promptArguments"));
    m_argumentForm = new QFormLayout(m_argumentBox);
    auto* buttons = new QHBoxLayout();
    m_hint = new QLabel(details);
    m_hint->setTextFormat(Qt::PlainText);
    QPalette pal = m_hint->palette();
    pal.setColor(QPalette::WindowText, ui::errorColor());
    m_hint->setPalette(pal);
    m_get = new QPushButton(ui::icon(QStringLiteral("play")), tr("Get prompt"), details);
    m_get->setObjectName(QStringLiteral("getPromptButton"));
    m_get->setDefault(true);
    buttons->addWidget(m_hint, 1);
    buttons->addWidget(m_get);
    m_content = new ContentView(details);
    m_content->setObjectName(QStringLiteral("promptMessages"));
    m_content->showPlaceholder(tr("Get the prompt to see its messages."));
    dv->addWidget(m_title);
    dv->addWidget(m_name);
    dv->addWidget(m_description);
    dv->addWidget(m_argumentBox);
    dv->addLayout(buttons);
    dv->addWidget(m_content, 1);
    m_stack->addWidget(details);

    split->addWidget(left);
    split->addWidget(m_stack);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 3);
    split->setSizes({ 320, 900 });

    connect(m_search, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_list->selectionModel(), &QItemSelectionModel::currentChanged, this, &PromptsPage::onCurrentChanged);
    connect(m_get, &QPushButton::clicked, this, &PromptsPage::getCurrent);
    setSession(nullptr);
}

void PromptsPage::setSession(ServerSession* session)
{
    for (const auto& c : std::as_const(m_connections))
        disconnect(c);
    m_connections.clear();
    m_session = session;
    m_current = json();
    ++m_serial;
    if (session) {
        m_connections << connect(session, &ServerSession::promptsChanged, this, &PromptsPage::rebuildModel);
        // The error that says why the session is not connected (waiting for sign-in, say) may come
        // after the state.
        m_connections << connect(session, &ServerSession::errorOccurred, this, [this] { updateEmptyState(); });
        m_connections << connect(session, &ServerSession::stateChanged, this, [this] {
            updateEmptyState();
            updateButtons();
        });
        m_connections << connect(session, &QObject::destroyed, this, [this] { setSession(nullptr); });
    }
    rebuildModel();
    m_content->showPlaceholder(tr("Get the prompt to see its messages."));
}

void PromptsPage::rebuildModel()
{
    const QString keep = qs(m_current, "name");
    m_model->clear();
    const json prompts = m_session ? m_session->prompts() : json::array();
    for (const auto& p : prompts) {
        const QString name = qs(p, "name");
        const QString title = qs(p, "title", name);
        auto* item = new QStandardItem(ui::icon(QStringLiteral("prompt")), title);
        item->setData(name, NameRole);
        item->setData(QStringLiteral("%1\n%2\n%3").arg(title, name, qs(p, "description").left(300)), Qt::ToolTipRole);
        m_model->appendRow(item);
    }
    if (!keep.isEmpty() && !selectPrompt(keep))
        m_current = json();
    if (m_current.is_null() && m_proxy->rowCount() > 0)
        m_list->setCurrentIndex(m_proxy->index(0, 0));
    updateEmptyState();
    updateButtons();
}

bool PromptsPage::selectPrompt(const QString& name)
{
    for (int r = 0; r < m_model->rowCount(); ++r) {
        if (m_model->item(r)->data(NameRole).toString() == name) {
            m_search->clear();
            m_list->setCurrentIndex(m_proxy->mapFromSource(m_model->index(r, 0)));
            return true;
        }
    }
    return false;
}

void PromptsPage::updateEmptyState()
{
    QString text;
    const bool hasItems = m_session && !m_session->prompts().empty();
    if (!m_session)
        text = tr("Select a server on the left to see its prompts.");
    else if (!hasItems && m_session->state() != ServerSession::State::Connected)
        text = ServerListModel::waitsForSignIn(m_session)
            ? tr("Sign in (the account button at the top right) to see the prompts of %1.").arg(m_session->name())
            : tr("Connect to %1 to see its prompts.").arg(m_session->name());
    else if (!hasItems)
        text = tr("%1 offers no prompts.").arg(m_session->name());
    else if (m_current.is_null())
        text = tr("Select a prompt.");
    m_placeholder->setText(text);
    m_stack->setCurrentIndex(text.isEmpty() ? 1 : 0);
}

void PromptsPage::onCurrentChanged()
{
    const QModelIndex source = m_proxy->mapToSource(m_list->currentIndex());
    if (!source.isValid() || !m_session) {
        m_current = json();
        updateEmptyState();
        return;
    }
    const QString name = m_model->itemFromIndex(source)->data(NameRole).toString();
    const json prompt = m_session->prompt(name);
    if (prompt == m_current)
        return;
    showPrompt(prompt);
    updateEmptyState();
    updateButtons();
}

void PromptsPage::showPrompt(const json& prompt)
{
    m_current = prompt;
    ++m_serial;
    const QString name = qs(prompt, "name");
    const QString title = qs(prompt, "title");
    m_title->setText(title.isEmpty() ? name : title);
    m_name->setText(name);
    m_name->setVisible(!title.isEmpty());
    m_description->setText(qs(prompt, "description").left(1500));
    m_description->setVisible(!m_description->text().isEmpty());
    while (m_argumentForm->rowCount() > 0)
        m_argumentForm->removeRow(0);
    m_arguments.clear();
    m_required.clear();
    const json args = prompt.value("arguments", json::array());
    if (args.is_array()) {
        for (const auto& a : args) {
            const QString argName = qs(a, "name");
            if (argName.isEmpty())
                continue;
            const bool required = a.value("required", json()) == true;
            auto* edit = new QLineEdit(m_argumentBox);
            edit->setObjectName(QStringLiteral("promptArg:") + argName);
            edit->setPlaceholderText(qs(a, "description").left(200));
            edit->setToolTip(qs(a, "description").left(500));
            const QString label = qs(a, "title", argName);
            edit->setAccessibleName(required ? tr("%1 (required)").arg(label) : label);
            m_argumentForm->addRow(required ? QStringLiteral("%1 *").arg(label) : label, edit);
            m_arguments.insert(argName, edit);
            if (required)
                m_required << argName;
            QPointer<ServerSession> session = m_session;
            new ArgumentCompleter(
                edit,
                [this, session, name, argName](const QString& value) -> PendingRequest* {
                    if (!session || !session->hasCapability("completions"))
                        return nullptr;
                    json context = json::object();
                    for (auto it = m_arguments.cbegin(); it != m_arguments.cend(); ++it) {
                        if (it.key() != argName && !it.value()->text().isEmpty())
                            context[it.key().toStdString()] = it.value()->text().toStdString();
                    }
                    return session->complete(
                        json { { "type", "ref/prompt" }, { "name", name.toStdString() } }, argName, value, context);
                },
                edit);
            connect(edit, &QLineEdit::textChanged, this, &PromptsPage::updateButtons);
            connect(edit, &QLineEdit::returnPressed, this, &PromptsPage::getCurrent);
        }
    }
    m_argumentBox->setVisible(!m_arguments.isEmpty());
    m_content->showPlaceholder(tr("Get the prompt to see its messages."));
}

void PromptsPage::updateButtons()
{
    const bool connected = m_session && m_session->state() == ServerSession::State::Connected;
    QStringList missing;
    for (const QString& r : std::as_const(m_required)) {
        if (m_arguments.value(r) && m_arguments.value(r)->text().isEmpty())
            missing << r;
    }
    m_hint->setText(missing.isEmpty() ? QString() : tr("Required: %1").arg(missing.join(QStringLiteral(", "))));
    m_get->setEnabled(connected && !m_current.is_null() && missing.isEmpty());
}

void PromptsPage::getCurrent()
{
    if (!m_session || m_current.is_null() || !m_get->isEnabled())
        return;
    json args = json::object();
    for (auto it = m_arguments.cbegin(); it != m_arguments.cend(); ++it) {
        if (!it.value()->text().isEmpty())
            args[it.key().toStdString()] = it.value()->text().toStdString();
    }
    const QString name = qs(m_current, "name");
    const quint64 serial = ++m_serial;
    m_content->showPlaceholder(tr("Getting %1…").arg(name));
    PendingRequest* request = m_session->getPrompt(name, args);
    QPointer<PendingRequest> guard(request);
    connect(request, &PendingRequest::finished, this, [this, serial, guard](const json& result) {
        if (serial == m_serial)
            m_content->showPromptMessages(result, guard ? guard->elapsedMs() : 0);
    });
    connect(request, &PendingRequest::failed, this, [this, serial, name](const Error& e) {
        if (serial == m_serial)
            m_content->showError(tr("Could not get the prompt %1: %2").arg(name, e.message));
    });
}

} // namespace lanyard
