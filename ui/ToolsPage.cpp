// SPDX-License-Identifier: MIT
#include "ToolsPage.h"

#include "Badge.h"
#include "CallHistoryModel.h"
#include "ContentView.h"
#include "Icons.h"
#include "RawJsonEditor.h"
#include "SchemaForm.h"
#include "ServerListModel.h"
#include "ToolItemDelegate.h"
#include "ToolListModel.h"
#include "session/ServerSession.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QLocale>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>

namespace lanyard {

ToolsPage::ToolsPage(QWidget* parent)
    : QWidget(parent)
{
    m_model = new ToolListModel(this);
    m_filter = new ToolFilterModel(this);
    m_filter->setSourceModel(m_model);
    m_history = new CallHistoryModel(this);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->setObjectName(QStringLiteral("toolsSplitter"));
    split->setChildrenCollapsible(false);
    layout->addWidget(split);

    // Left: search + list.
    auto* left = new QWidget(split);
    auto* lv = new QVBoxLayout(left);
    lv->setContentsMargins(0, 0, 4, 0);
    m_search = new QLineEdit(left);
    m_search->setObjectName(QStringLiteral("toolSearch"));
    m_search->setPlaceholderText(tr("Filter tools (Ctrl+K)"));
    m_search->setClearButtonEnabled(true);
    m_search->addAction(ui::icon(QStringLiteral("search")), QLineEdit::LeadingPosition);
    m_search->setAccessibleName(tr("Filter tools"));
    m_count = new QLabel(left);
    m_count->setObjectName(QStringLiteral("toolCount"));
    m_count->setForegroundRole(QPalette::PlaceholderText);
    m_list = new QListView(left);
    m_list->setObjectName(QStringLiteral("toolList"));
    m_list->setAccessibleName(tr("Tools"));
    m_list->setModel(m_filter);
    m_list->setItemDelegate(new ToolItemDelegate(m_list));
    m_list->setUniformItemSizes(true);
    m_list->setLayoutMode(QListView::Batched);
    m_list->setBatchSize(200);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    lv->addWidget(m_search);
    lv->addWidget(m_count);
    lv->addWidget(m_list, 1);

    // Right: placeholder or details.
    m_rightStack = new QStackedWidget(split);
    m_placeholder = new QLabel(m_rightStack);
    m_placeholder->setObjectName(QStringLiteral("toolsPlaceholder"));
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_placeholder->setTextFormat(Qt::PlainText);
    m_placeholder->setForegroundRole(QPalette::PlaceholderText);
    m_rightStack->addWidget(m_placeholder);

    auto* detailSplit = new QSplitter(Qt::Vertical, m_rightStack);
    detailSplit->setObjectName(QStringLiteral("toolDetailSplitter"));
    detailSplit->setChildrenCollapsible(false);
    m_rightStack->addWidget(detailSplit);

    auto* top = new QWidget(detailSplit);
    auto* tv = new QVBoxLayout(top);
    tv->setContentsMargins(8, 0, 0, 4);
    auto* titleRow = new QHBoxLayout();
    m_title = new QLabel(top);
    m_title->setObjectName(QStringLiteral("toolTitle"));
    m_title->setTextFormat(Qt::PlainText);
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.3);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_badges = new QWidget(top);
    m_badges->setObjectName(QStringLiteral("toolBadges"));
    m_badgeLayout = new QHBoxLayout(m_badges);
    m_badgeLayout->setContentsMargins(0, 0, 0, 0);
    m_badgeLayout->setSpacing(4);
    titleRow->addWidget(m_title);
    titleRow->addWidget(m_badges);
    titleRow->addStretch(1);
    m_name = new QLabel(top);
    m_name->setObjectName(QStringLiteral("toolName"));
    m_name->setTextFormat(Qt::PlainText);
    m_name->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_name->setForegroundRole(QPalette::PlaceholderText);
    m_description = new QLabel(top);
    m_description->setObjectName(QStringLiteral("toolDescription"));
    m_description->setTextFormat(Qt::PlainText);
    m_description->setWordWrap(true);
    m_description->setTextInteractionFlags(Qt::TextSelectableByMouse);
    tv->addLayout(titleRow);
    tv->addWidget(m_name);
    tv->addWidget(m_description);

    auto* bar = new QHBoxLayout();
    m_rawToggle = new QToolButton(top);
    m_rawToggle->setObjectName(QStringLiteral("rawToggle"));
    m_rawToggle->setCheckable(true);
    m_rawToggle->setIcon(ui::icon(QStringLiteral("braces")));
    m_rawToggle->setText(tr("Raw JSON"));
    m_rawToggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_rawToggle->setToolTip(tr("Edit the arguments as JSON (kept in sync with the form)"));
    m_rawToggle->setAccessibleName(tr("Edit arguments as raw JSON"));
    m_callHint = new QLabel(top);
    m_callHint->setObjectName(QStringLiteral("callHint"));
    m_callHint->setTextFormat(Qt::PlainText);
    m_callHint->setWordWrap(true);
    QPalette hintPal = m_callHint->palette();
    hintPal.setColor(QPalette::WindowText, ui::errorColor());
    m_callHint->setPalette(hintPal);
    m_progress = new QProgressBar(top);
    m_progress->setObjectName(QStringLiteral("callProgress"));
    m_progress->setAccessibleName(tr("Call progress"));
    m_progress->setMaximumWidth(220);
    m_progress->setTextVisible(true);
    m_progress->hide();
    m_progressMessage = new QLabel(top);
    m_progressMessage->setObjectName(QStringLiteral("progressMessage"));
    m_progressMessage->setTextFormat(Qt::PlainText);
    m_progressMessage->hide();
    m_cancel = new QPushButton(ui::icon(QStringLiteral("stop")), tr("Cancel"), top);
    m_cancel->setObjectName(QStringLiteral("cancelButton"));
    m_cancel->setAccessibleName(tr("Cancel the call"));
    m_cancel->hide();
    m_call = new QPushButton(ui::icon(QStringLiteral("play")), tr("Call"), top);
    m_call->setObjectName(QStringLiteral("callButton"));
    m_call->setToolTip(tr("Call the tool (Ctrl+Enter)"));
    m_call->setAccessibleName(tr("Call the tool"));
    m_call->setDefault(true);
    bar->addWidget(m_rawToggle);
    bar->addWidget(m_callHint, 1);
    bar->addWidget(m_progressMessage);
    bar->addWidget(m_progress);
    bar->addWidget(m_cancel);
    bar->addWidget(m_call);

    m_argumentStack = new QStackedWidget(top);
    m_argumentStack->setObjectName(QStringLiteral("argumentStack"));
    auto* formScroll = new QScrollArea(m_argumentStack);
    formScroll->setWidgetResizable(true);
    formScroll->setFrameShape(QFrame::NoFrame);
    m_form = new SchemaForm();
    m_form->setObjectName(QStringLiteral("schemaForm"));
    formScroll->setWidget(m_form);
    m_raw = new RawJsonEditor(m_argumentStack);
    m_raw->setObjectName(QStringLiteral("rawJsonEditor"));
    m_argumentStack->addWidget(formScroll);
    m_argumentStack->addWidget(m_raw);
    auto* argsLabel = new QLabel(tr("Arguments"), top);
    QFont bold = argsLabel->font();
    bold.setBold(true);
    argsLabel->setFont(bold);
    tv->addSpacing(4);
    tv->addWidget(argsLabel);
    tv->addWidget(m_argumentStack, 1);
    tv->addLayout(bar);

    m_resultTabs = new QTabWidget(detailSplit);
    m_resultTabs->setObjectName(QStringLiteral("resultTabs"));
    m_result = new ContentView(m_resultTabs);
    m_result->setObjectName(QStringLiteral("resultView"));
    m_result->showPlaceholder(tr("Call the tool to see its result here."));
    m_resultTabs->addTab(m_result, ui::icon(QStringLiteral("resource")), tr("Result"));
    auto* historyPage = new QWidget(m_resultTabs);
    auto* hv = new QVBoxLayout(historyPage);
    m_historyList = new QListView(historyPage);
    m_historyList->setObjectName(QStringLiteral("historyList"));
    m_historyList->setAccessibleName(tr("Call history"));
    m_historyList->setModel(m_history);
    m_historyList->setUniformItemSizes(true);
    m_rerun = new QPushButton(ui::icon(QStringLiteral("refresh")), tr("Re-run"), historyPage);
    m_rerun->setObjectName(QStringLiteral("rerunButton"));
    m_rerun->setToolTip(tr("Load the selected call's tool and arguments and call it again"));
    m_rerun->setEnabled(false);
    hv->addWidget(m_historyList, 1);
    hv->addWidget(m_rerun, 0, Qt::AlignRight);
    m_resultTabs->addTab(historyPage, ui::icon(QStringLiteral("history")), tr("History"));

    detailSplit->addWidget(top);
    detailSplit->addWidget(m_resultTabs);
    detailSplit->setStretchFactor(0, 2);
    detailSplit->setStretchFactor(1, 3);
    detailSplit->setSizes({ 330, 520 });

    split->addWidget(left);
    split->addWidget(m_rightStack);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 3);
    split->setSizes({ 320, 900 });

    connect(m_search, &QLineEdit::textChanged, this, [this](const QString& text) {
        m_filter->setFilterText(text);
        updateCount();
        if (!m_list->currentIndex().isValid() && m_filter->rowCount() > 0)
            m_list->setCurrentIndex(m_filter->index(0, 0));
    });
    connect(m_list->selectionModel(), &QItemSelectionModel::currentChanged, this, &ToolsPage::onCurrentChanged);
    connect(m_rawToggle, &QToolButton::toggled, this, &ToolsPage::setRawMode);
    connect(m_form, &SchemaForm::valueChanged, this, [this] {
        if (m_syncing)
            return;
        m_syncing = true;
        if (m_argumentStack->currentWidget() != m_raw)
            m_raw->setJson(m_form->value());
        m_syncing = false;
        rememberArguments();
        updateCallButtons();
    });
    connect(m_form, &SchemaForm::validityChanged, this, &ToolsPage::updateCallButtons);
    connect(m_raw, &RawJsonEditor::jsonEdited, this, [this](const json& value) {
        if (m_syncing)
            return;
        m_syncing = true;
        m_form->setValue(value);
        m_syncing = false;
        rememberArguments();
    });
    connect(m_raw, &RawJsonEditor::validityChanged, this, &ToolsPage::updateCallButtons);
    connect(m_call, &QPushButton::clicked, this, &ToolsPage::callCurrentTool);
    connect(m_cancel, &QPushButton::clicked, this, &ToolsPage::cancelCall);
    connect(m_result, &ContentView::resourceLinkActivated, this, &ToolsPage::resourceLinkActivated);
    connect(m_historyList->selectionModel(), &QItemSelectionModel::currentChanged, this,
        [this](const QModelIndex& index) { m_rerun->setEnabled(index.isValid()); });
    connect(m_historyList, &QListView::doubleClicked, this, &ToolsPage::rerunSelected);
    connect(m_rerun, &QPushButton::clicked, this, &ToolsPage::rerunSelected);

    setSession(nullptr);
}

ToolsPage::~ToolsPage() = default;

ToolsPage::SessionState& ToolsPage::state()
{
    return m_states[m_session.data()];
}

void ToolsPage::setSession(ServerSession* session)
{
    if (m_session)
        state().selectedTool = m_currentTool;
    for (const auto& c : std::as_const(m_sessionConnections))
        disconnect(c);
    m_sessionConnections.clear();
    m_session = session;
    m_history->setSession(session);
    m_currentTool.clear();
    m_currentToolJson = json::object();
    if (session) {
        m_sessionConnections << connect(session, &ServerSession::toolsReset, this, &ToolsPage::onToolsReset);
        m_sessionConnections << connect(session, &ServerSession::toolsAppended, this, &ToolsPage::onToolsAppended);
        m_sessionConnections << connect(session, &ServerSession::toolsChanged, this, &ToolsPage::onToolsComplete);
        // The error that says why the session is not connected (waiting for sign-in, say) may come
        // after the state.
        m_sessionConnections << connect(session, &ServerSession::errorOccurred, this, [this] { updateEmptyState(); });
        m_sessionConnections << connect(session, &ServerSession::stateChanged, this, [this] {
            updateEmptyState();
            updateCallButtons();
        });
        m_sessionConnections << connect(session, &QObject::destroyed, this, [this, session] {
            m_states.remove(session);
            setSession(nullptr);
        });
    }
    m_pendingSelection = session ? state().selectedTool : QString();
    m_model->setSource(session ? &session->tools() : nullptr);
    updateCount();
    restoreSelection(!session || session->toolsComplete());
    onCurrentChanged();
    if (session) {
        showProgress(state());
        showLastResult(state());
    }
    updateEmptyState();
    updateCallButtons();
}

void ToolsPage::onToolsReset()
{
    if (!m_currentTool.isEmpty())
        m_pendingSelection = m_currentTool;
    m_model->setSource(m_session ? &m_session->tools() : nullptr);
    restoreSelection(m_session && m_session->toolsComplete());
    updateCount();
    updateEmptyState();
    updateCallButtons();
}

void ToolsPage::onToolsAppended()
{
    m_model->sourceAppended();
    restoreSelection(false);
    updateCount();
    updateEmptyState();
}

void ToolsPage::onToolsComplete()
{
    m_model->sourceAppended();
    restoreSelection(true);
    updateCount();
    updateEmptyState();
    updateCallButtons();
}

void ToolsPage::restoreSelection(bool final)
{
    if (!m_pendingSelection.isEmpty()) {
        if (selectTool(m_pendingSelection)) {
            m_pendingSelection.clear();
            return;
        }
        if (!final)
            return; // it may come with a later page; keep showing it meanwhile
        m_pendingSelection.clear();
    }
    if (!m_list->currentIndex().isValid() && m_filter->rowCount() > 0)
        m_list->setCurrentIndex(m_filter->index(0, 0));
    onCurrentChanged();
}

void ToolsPage::updateCount()
{
    const int total = m_model->rowCount();
    const int shown = m_filter->rowCount();
    const QLocale locale;
    if (total == 0)
        m_count->setText(QString());
    else if (shown == total)
        m_count->setText(tr("%1 tools").arg(locale.toString(total)));
    else
        m_count->setText(tr("%1 of %2 tools").arg(locale.toString(shown), locale.toString(total)));
}

void ToolsPage::updateEmptyState()
{
    QString text;
    if (!m_session)
        text = tr("Select a server on the left to see its tools.");
    else if (m_session->state() == ServerSession::State::Connecting)
        text = tr("Connecting to %1…").arg(m_session->name());
    else if (m_session->state() != ServerSession::State::Connected && m_model->rowCount() == 0)
        text = ServerListModel::waitsForSignIn(m_session)
            ? tr("Sign in (the account button at the top right) to see the tools of %1.").arg(m_session->name())
            : tr("Connect to %1 to see its tools.").arg(m_session->name());
    else if (m_model->rowCount() == 0)
        text = m_session->isRefreshing() ? tr("Loading tools…") : tr("%1 offers no tools.").arg(m_session->name());
    else if (m_currentTool.isEmpty())
        text = m_filter->rowCount() == 0 ? tr("No tool matches \"%1\".").arg(m_search->text()) : tr("Select a tool.");
    m_placeholder->setText(text);
    m_rightStack->setCurrentIndex(text.isEmpty() ? 1 : 0);
}

bool ToolsPage::selectTool(const QString& name)
{
    const int row = m_model->rowOf(name);
    if (row < 0)
        return false;
    QModelIndex proxy = m_filter->mapFromSource(m_model->index(row));
    if (!proxy.isValid()) {
        m_search->clear();
        proxy = m_filter->mapFromSource(m_model->index(row));
    }
    m_list->setCurrentIndex(proxy);
    m_list->scrollTo(proxy);
    return true;
}

void ToolsPage::onCurrentChanged()
{
    const QModelIndex proxy = m_list->currentIndex();
    const QModelIndex source = m_filter->mapToSource(proxy);
    if (!source.isValid() && !m_pendingSelection.isEmpty())
        return; // the selected tool is coming back with a later page
    if (!source.isValid()) {
        m_currentTool.clear();
        m_currentToolJson = json::object();
        updateEmptyState();
        updateCallButtons();
        return;
    }
    const json& tool = m_model->toolAt(source.row());
    const QString name = qs(tool, "name");
    if (name == m_currentTool && tool == m_currentToolJson)
        return;
    m_currentTool = name;
    m_currentToolJson = tool;
    showTool(tool);
    updateEmptyState();
    updateCallButtons();
}

void ToolsPage::showTool(const json& tool)
{
    const QString name = qs(tool, "name");
    QString title = qs(tool, "title");
    if (title.isEmpty() && tool.contains("annotations"))
        title = qs(tool["annotations"], "title");
    m_title->setText(title.isEmpty() ? name : title);
    m_name->setText(title.isEmpty() ? QString() : name);
    m_name->setVisible(!title.isEmpty());
    QString description = qs(tool, "description");
    if (description.size() > 1500) {
        m_description->setToolTip(description.left(8000));
        description = description.left(1500) + QChar(0x2026);
    } else {
        m_description->setToolTip(QString());
    }
    m_description->setText(description);
    m_description->setVisible(!description.isEmpty());

    while (QLayoutItem* item = m_badgeLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    const int flags = ToolListModel::annotationFlags(tool);
    const auto addBadge = [this](const QString& text, const QColor& color, const QString& tip) {
        auto* b = new BadgeLabel(text, color, m_badges);
        b->setToolTip(tip);
        m_badgeLayout->addWidget(b);
    };
    if (flags & ToolListModel::ReadOnly)
        addBadge(tr("read-only"), ui::successColor(),
            tr("The server says this tool does not change anything (a hint, not a promise)."));
    if (flags & ToolListModel::Destructive)
        addBadge(tr("destructive"), ui::errorColor(),
            tr("The server says this tool may delete or overwrite data. Lanyard asks before calling it."));
    if (flags & ToolListModel::Idempotent)
        addBadge(
            tr("idempotent"), ui::infoColor(), tr("Calling it again with the same arguments has no further effect."));
    if (flags & ToolListModel::OpenWorld)
        addBadge(tr("open-world"), ui::infoColor(), tr("The tool reaches outside systems (for example the internet)."));
    if (tool.contains("outputSchema"))
        addBadge(tr("structured output"), ui::isDarkPalette() ? QColor(0xc4, 0xa7, 0xff) : QColor(0x6a, 0x3f, 0xc0),
            tr("The tool declares an output schema; Lanyard checks results against it."));

    const json schema = tool.value("inputSchema", json::object());
    m_syncing = true;
    m_form->setSchema(schema);
    m_raw->setSchema(schema);
    const json saved = m_session ? m_arguments.value(m_session->name() + QLatin1Char('\n') + name, json()) : json();
    if (!saved.is_null())
        m_form->setValue(saved);
    m_raw->setJson(m_form->value());
    m_syncing = false;
    m_callHint->clear();
}

void ToolsPage::rememberArguments()
{
    if (!m_session || m_currentTool.isEmpty())
        return;
    const bool raw = m_argumentStack->currentWidget() == m_raw;
    if (raw && !m_raw->isValid())
        return;
    m_arguments.insert(m_session->name() + QLatin1Char('\n') + m_currentTool, raw ? *m_raw->parsed() : m_form->value());
}

void ToolsPage::setRawMode(bool raw)
{
    if (raw) {
        m_syncing = true;
        m_raw->setJson(m_form->value());
        m_syncing = false;
        m_argumentStack->setCurrentWidget(m_raw);
        m_raw->editor()->setFocus();
    } else {
        if (!m_raw->isValid()) {
            // Stay in the raw editor until the JSON parses; the error is already shown there.
            const QSignalBlocker block(m_rawToggle);
            m_rawToggle->setChecked(true);
            m_callHint->setText(tr("Fix the JSON before switching back to the form."));
            return;
        }
        m_syncing = true;
        m_form->setValue(*m_raw->parsed());
        m_syncing = false;
        m_argumentStack->setCurrentIndex(0);
    }
    m_callHint->clear();
    updateCallButtons();
}

json ToolsPage::currentArguments(bool* ok, QString* why) const
{
    *ok = false;
    if (m_argumentStack->currentWidget() == m_raw) {
        if (!m_raw->isValid()) {
            *why = tr("The JSON is not valid; fix it first.");
            return json();
        }
        *ok = true; // schema mismatches are shown but do not block a raw call
        return *m_raw->parsed();
    }
    if (!m_form->isValid()) {
        *why = tr("Fix the highlighted fields first (or use Raw JSON to send anyway).");
        return json();
    }
    *ok = true;
    return m_form->value();
}

bool ToolsPage::isCallRunning() const
{
    auto it = m_states.find(m_session.data());
    return it != m_states.end() && it->running;
}

void ToolsPage::updateCallButtons()
{
    const bool connected = m_session && m_session->state() == ServerSession::State::Connected;
    const bool running = isCallRunning();
    bool argsOk = false;
    QString why;
    currentArguments(&argsOk, &why);
    m_call->setEnabled(connected && !running && !m_currentTool.isEmpty() && argsOk);
    if (!connected && m_session)
        m_call->setToolTip(tr("Connect to the server first"));
    else if (!argsOk)
        m_call->setToolTip(why);
    else
        m_call->setToolTip(tr("Call the tool (Ctrl+Enter)"));
    m_cancel->setVisible(running);
    m_rerun->setEnabled(connected && !running && m_historyList->currentIndex().isValid());
}

bool ToolsPage::confirmDestructive(const QString& toolTitle)
{
    QMessageBox box(QMessageBox::Warning, tr("Call a destructive tool?"),
        tr("The server marks \"%1\" as destructive: it may delete or overwrite data.\n\nCall it with these "
           "arguments?")
            .arg(toolTitle),
        QMessageBox::NoButton, this);
    box.setObjectName(QStringLiteral("confirmDestructive"));
    box.setTextFormat(Qt::PlainText);
    QPushButton* yes = box.addButton(tr("Call"), QMessageBox::AcceptRole);
    yes->setObjectName(QStringLiteral("confirmCall"));
    QPushButton* no = box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(no);
    box.exec();
    return box.clickedButton() == yes;
}

bool ToolsPage::callCurrentTool()
{
    if (!m_session || m_currentTool.isEmpty() || isCallRunning())
        return false;
    if (m_session->state() != ServerSession::State::Connected) {
        m_callHint->setText(tr("Connect to %1 first.").arg(m_session->name()));
        return false;
    }
    bool ok = false;
    QString why;
    const json arguments = currentArguments(&ok, &why);
    if (!ok) {
        m_callHint->setText(why);
        return false;
    }
    m_callHint->clear();
    if (ToolListModel::annotationFlags(m_currentToolJson) & ToolListModel::Destructive) {
        if (!confirmDestructive(m_title->text()))
            return false;
    }
    rememberArguments();
    QPointer<ServerSession> session = m_session;
    const QString tool = m_currentTool;
    PendingRequest* request = session->callTool(tool, arguments);
    SessionState& st = state();
    st.running = request;
    st.runningTool = tool;
    st.progress = -1;
    st.total = -1;
    st.progressMessage.clear();
    showProgress(st);
    m_result->showPlaceholder(tr("Calling %1…").arg(tool));
    m_resultTabs->setCurrentIndex(0);
    ServerSession* key = session.data();

    connect(request, &PendingRequest::progress, this, [this, key](double value, double total, const QString& message) {
        auto it = m_states.find(key);
        if (it == m_states.end())
            return;
        it->progress = value;
        it->total = total;
        it->progressMessage = message;
        if (m_session == key)
            showProgress(*it);
    });
    QPointer<PendingRequest> guard(request);
    connect(request, &PendingRequest::finished, this, [this, key, tool, guard](const json& result) {
        auto it = m_states.find(key);
        if (it == m_states.end())
            return;
        it->hasResult = true;
        it->result = result;
        it->resultTool = tool;
        it->error.clear();
        it->cancelled = false;
        it->elapsedMs = guard ? guard->elapsedMs() : 0;
    });
    connect(request, &PendingRequest::failed, this, [this, key, tool, guard](const Error& error) {
        auto it = m_states.find(key);
        if (it == m_states.end())
            return;
        it->hasResult = true;
        it->result = json();
        it->resultTool = tool;
        it->cancelled = error.kind == Error::Kind::Cancelled;
        it->error = error.message;
        it->elapsedMs = guard ? guard->elapsedMs() : 0;
    });
    connect(request, &PendingRequest::done, this, [this, key] {
        auto it = m_states.find(key);
        if (it == m_states.end())
            return;
        it->running = nullptr;
        if (m_session == key) {
            showProgress(*it);
            showLastResult(*it);
            updateCallButtons();
        }
    });
    updateCallButtons();
    return true;
}

void ToolsPage::cancelCall()
{
    auto it = m_states.find(m_session.data());
    if (it != m_states.end() && it->running)
        it->running->cancel(tr("cancelled by the user"));
}

void ToolsPage::showProgress(const SessionState& st)
{
    const bool running = st.running;
    m_progress->setVisible(running);
    m_progressMessage->setVisible(running && !st.progressMessage.isEmpty());
    m_cancel->setVisible(running);
    if (!running)
        return;
    if (st.total > 0) {
        m_progress->setRange(0, 1000);
        m_progress->setValue(int(qBound(0.0, st.progress / st.total, 1.0) * 1000));
        m_progress->setFormat(QStringLiteral("%p%"));
    } else if (st.progress >= 0) {
        m_progress->setRange(0, 0); // busy: progress without a known total
    } else {
        m_progress->setRange(0, 0);
    }
    m_progressMessage->setText(st.progressMessage.left(120));
}

void ToolsPage::showLastResult(const SessionState& st)
{
    if (st.running) {
        m_result->showPlaceholder(tr("Calling %1…").arg(st.runningTool));
        return;
    }
    if (!st.hasResult) {
        m_result->showPlaceholder(tr("Call the tool to see its result here."));
        return;
    }
    if (st.cancelled) {
        m_result->showPlaceholder(tr("The call to %1 was cancelled.").arg(st.resultTool));
        return;
    }
    if (!st.error.isEmpty()) {
        m_result->showError(tr("The call to %1 failed: %2").arg(st.resultTool, st.error));
        return;
    }
    const json tool = m_session ? m_session->tool(st.resultTool) : json::object();
    m_result->showToolResult(st.result, McpClient::checkToolResult(st.result, tool), st.elapsedMs);
}

void ToolsPage::rerunSelected()
{
    const QModelIndex index = m_historyList->currentIndex();
    if (!index.isValid() || !m_session || isCallRunning())
        return;
    const QString tool = index.data(CallHistoryModel::ToolRole).toString();
    const QByteArray args = index.data(CallHistoryModel::ArgumentsRole).toString().toUtf8();
    json arguments = json::parse(args.constBegin(), args.constEnd(), nullptr, false);
    if (arguments.is_discarded())
        arguments = json::object();
    if (!selectTool(tool)) {
        m_callHint->setText(tr("%1 no longer offers the tool %2.").arg(m_session->name(), tool));
        return;
    }
    onCurrentChanged();
    m_syncing = true;
    m_form->setValue(arguments);
    m_raw->setJson(arguments);
    m_syncing = false;
    rememberArguments();
    updateCallButtons();
    callCurrentTool();
}

void ToolsPage::focusSearch()
{
    m_search->setFocus(Qt::ShortcutFocusReason);
    m_search->selectAll();
}

} // namespace lanyard
