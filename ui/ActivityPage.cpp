// SPDX-License-Identifier: MIT
#include "ActivityPage.h"

#include "Icons.h"
#include "TrafficModel.h"
#include "session/ServerSession.h"

#include <QComboBox>
#include <QDateTime>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QScrollBar>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace lanyard {

ActivityPage::ActivityPage(QWidget* parent)
    : QWidget(parent)
{
    m_model = new TrafficModel(this);
    m_filter = new TrafficFilterModel(this);
    m_filter->setSourceModel(m_model);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_tabs = new QTabWidget(this);
    m_tabs->setObjectName(QStringLiteral("activityTabs"));
    layout->addWidget(m_tabs);

    // Traffic.
    auto* traffic = new QWidget(m_tabs);
    auto* tv = new QVBoxLayout(traffic);
    auto* bar = new QHBoxLayout();
    m_search = new QLineEdit(traffic);
    m_search->setObjectName(QStringLiteral("trafficFilter"));
    m_search->setPlaceholderText(tr("Filter (method, URL, status, body text)"));
    m_search->setClearButtonEnabled(true);
    m_search->addAction(ui::icon(QStringLiteral("search")), QLineEdit::LeadingPosition);
    m_search->setAccessibleName(tr("Filter traffic"));
    m_kind = new QComboBox(traffic);
    m_kind->setObjectName(QStringLiteral("trafficKind"));
    m_kind->setAccessibleName(tr("Kind of traffic"));
    m_kind->addItem(tr("All kinds"), QString());
    m_kind->addItem(tr("HTTP"), QStringLiteral("http"));
    m_kind->addItem(tr("stdio"), QStringLiteral("stdio"));
    m_kind->addItem(tr("JSON-RPC"), QStringLiteral("jsonrpc"));
    auto* exportButton = new QPushButton(ui::icon(QStringLiteral("export")), tr("Export…"), traffic);
    exportButton->setObjectName(QStringLiteral("exportTrafficButton"));
    exportButton->setToolTip(tr("Save the rows shown as JSON"));
    auto* clear = new QPushButton(ui::icon(QStringLiteral("close")), tr("Clear"), traffic);
    clear->setObjectName(QStringLiteral("clearTrafficButton"));
    bar->addWidget(m_search, 1);
    bar->addWidget(m_kind);
    bar->addWidget(exportButton);
    bar->addWidget(clear);
    tv->addLayout(bar);

    auto* split = new QSplitter(Qt::Vertical, traffic);
    split->setChildrenCollapsible(false);
    m_table = new QTableView(split);
    m_table->setObjectName(QStringLiteral("trafficTable"));
    m_table->setAccessibleName(tr("Traffic"));
    m_table->setModel(m_filter);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->setWordWrap(false);
    m_table->setAlternatingRowColors(true);
    m_table->horizontalHeader()->setSectionResizeMode(TrafficModel::SummaryColumn, QHeaderView::Stretch);
    m_table->horizontalHeader()->resizeSection(TrafficModel::TimeColumn, 110);
    m_table->horizontalHeader()->resizeSection(TrafficModel::DirectionColumn, 100);
    m_table->horizontalHeader()->resizeSection(TrafficModel::KindColumn, 70);
    m_table->horizontalHeader()->resizeSection(TrafficModel::DurationColumn, 80);
    m_detail = new QPlainTextEdit(split);
    m_detail->setObjectName(QStringLiteral("trafficDetail"));
    m_detail->setAccessibleName(tr("Message details"));
    m_detail->setReadOnly(true);
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_detail->setFont(mono);
    m_detail->setPlaceholderText(
        tr("Select a row to see its headers and body. Secrets are masked before they reach this view."));
    split->addWidget(m_table);
    split->addWidget(m_detail);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    tv->addWidget(split, 1);
    m_status = new QLabel(traffic);
    m_status->setObjectName(QStringLiteral("trafficStatus"));
    m_status->setForegroundRole(QPalette::PlaceholderText);
    tv->addWidget(m_status);
    m_tabs->addTab(traffic, ui::icon(QStringLiteral("activity")), tr("Traffic"));

    // Server log (notifications/message).
    m_log = new QListWidget(m_tabs);
    m_log->setObjectName(QStringLiteral("serverLog"));
    m_log->setAccessibleName(tr("Server log messages"));
    m_log->setUniformItemSizes(true);
    m_tabs->addTab(m_log, ui::icon(QStringLiteral("prompt")), tr("Server log"));

    // Token lifecycle: identity module.
    auto* tokens = new QLabel(tr("The token lifecycle timeline (sign-in, refresh, exchange, expiry) arrives with the "
                                 "identity module."),
        m_tabs);
    tokens->setObjectName(QStringLiteral("tokenTimelinePlaceholder"));
    tokens->setAlignment(Qt::AlignCenter);
    tokens->setWordWrap(true);
    tokens->setForegroundRole(QPalette::PlaceholderText);
    m_tabs->addTab(tokens, ui::icon(QStringLiteral("identity")), tr("Token lifecycle"));

    auto updateStatus
        = [this] { m_status->setText(tr("%1 of %2 records").arg(m_filter->rowCount()).arg(m_model->rowCount())); };
    connect(m_search, &QLineEdit::textChanged, this, [this, updateStatus](const QString& text) {
        m_filter->setText(text);
        updateStatus();
    });
    connect(m_kind, &QComboBox::currentIndexChanged, this, [this, updateStatus] {
        m_filter->setKind(m_kind->currentData().toString());
        updateStatus();
    });
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, [this, updateStatus] {
        updateStatus();
        if (m_follow)
            m_table->scrollToBottom();
    });
    connect(m_filter, &QAbstractItemModel::rowsRemoved, this, updateStatus);
    connect(m_filter, &QAbstractItemModel::modelReset, this, updateStatus);
    connect(m_table->verticalScrollBar(), &QScrollBar::valueChanged, this,
        [this](int value) { m_follow = value >= m_table->verticalScrollBar()->maximum() - 2; });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &ActivityPage::showDetail);
    connect(exportButton, &QPushButton::clicked, this, &ActivityPage::exportWithDialog);
    connect(clear, &QPushButton::clicked, this, [this] {
        if (m_session)
            m_session->clearTraffic();
        m_detail->clear();
    });
    updateStatus();
}

void ActivityPage::setSession(ServerSession* session)
{
    for (const auto& c : std::as_const(m_connections))
        disconnect(c);
    m_connections.clear();
    m_session = session;
    m_model->setSession(session);
    m_detail->clear();
    m_log->clear();
    m_follow = true;
    m_table->scrollToBottom();
    if (!session)
        return;
    m_connections << connect(session, &ServerSession::logMessageReceived, this,
        [this](const QString& level, const QString& logger, const json& data) {
            QString text = data.is_string() ? qstr(data.get<std::string>()) : QString::fromUtf8(dumpJson(data));
            if (text.size() > 500)
                text = text.left(500) + QChar(0x2026);
            const QString line
                = QStringLiteral("%1  %2  %3%4")
                      .arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), level.toUpper().left(10),
                          logger.isEmpty() ? QString() : logger + QStringLiteral(": "), text);
            m_log->addItem(line);
            while (m_log->count() > 1000)
                delete m_log->takeItem(0);
            m_log->scrollToBottom();
        });
}

int ActivityPage::visibleRowCount() const
{
    return m_filter->rowCount();
}

void ActivityPage::showDetail()
{
    const QModelIndex source = m_filter->mapToSource(m_table->currentIndex());
    const TrafficRecord* r = m_model->record(source.row());
    m_detail->setPlainText(r ? TrafficModel::describe(*r) : QString());
}

bool ActivityPage::exportTo(const QString& path, QString* error) const
{
    QList<TrafficRecord> records;
    for (int row = 0; row < m_filter->rowCount(); ++row) {
        const QModelIndex source = m_filter->mapToSource(m_filter->index(row, 0));
        if (const TrafficRecord* r = m_model->record(source.row()))
            records << *r;
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = tr("Could not write %1: %2").arg(path, file.errorString());
        return false;
    }
    file.write(dumpJson(TrafficModel::toJson(records), 2));
    file.write("\n");
    if (!file.commit()) {
        *error = tr("Could not save %1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

void ActivityPage::exportWithDialog()
{
    const QString name = QStringLiteral("lanyard-traffic-%1-%2.json")
                             .arg(m_session ? m_session->name() : QStringLiteral("server"),
                                 QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss")));
    const QString path = QFileDialog::getSaveFileName(
        this, tr("Export traffic"), name, tr("JSON (*.json)"), nullptr, QFileDialog::DontUseNativeDialog);
    if (path.isEmpty())
        return;
    QString error;
    if (!exportTo(path, &error))
        m_status->setText(error);
    else
        m_status->setText(tr("Exported %1 records to %2.").arg(m_filter->rowCount()).arg(path));
}

} // namespace lanyard
