// SPDX-License-Identifier: MIT
#include "ImportDialog.h"

#include "Icons.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace lanyard {

ImportDialog::ImportDialog(const ServerImport& found, const QString& fileName, QWidget* parent)
    : QDialog(parent)
    , m_found(found)
{
    setObjectName(QStringLiteral("importDialog"));
    setWindowTitle(tr("Import Servers"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("%1 (%2 format) lists %3 usable servers. Choose the ones to add:")
                                 .arg(fileName, found.format)
                                 .arg(found.servers.size()),
        this);
    intro->setTextFormat(Qt::PlainText);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    m_list = new QListWidget(this);
    m_list->setObjectName(QStringLiteral("importList"));
    m_list->setAccessibleName(tr("Servers to import"));
    for (const auto& s : found.servers) {
        const QString endpoint
            = s.isStdio() ? QStringList(QStringList { s.command } + s.args).join(QLatin1Char(' ')) : s.url.toString();
        auto* item = new QListWidgetItem(
            ui::icon(QStringLiteral("server")), QStringLiteral("%1 — %2").arg(s.name, endpoint.left(200)));
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(Qt::Checked);
        m_list->addItem(item);
    }
    layout->addWidget(m_list, 1);
    if (!found.notes.isEmpty()) {
        auto* notes = new QLabel(found.notes.join(QLatin1Char('\n')), this);
        notes->setObjectName(QStringLiteral("importNotes"));
        notes->setTextFormat(Qt::PlainText);
        notes->setWordWrap(true);
        QPalette pal = notes->palette();
        pal.setColor(QPalette::WindowText, ui::warningColor());
        notes->setPalette(pal);
        layout->addWidget(notes);
    }
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Import"));
    buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("importOk"));
    buttons->button(QDialogButtonBox::Ok)->setEnabled(!found.servers.isEmpty());
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    resize(560, 380);
}

QList<ServerConfig> ImportDialog::selectedServers() const
{
    QList<ServerConfig> out;
    for (int i = 0; i < m_list->count() && i < m_found.servers.size(); ++i) {
        if (m_list->item(i)->checkState() == Qt::Checked)
            out << m_found.servers.at(i);
    }
    return out;
}

} // namespace lanyard
