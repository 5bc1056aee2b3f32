// SPDX-License-Identifier: MIT
#include "ElicitationDialog.h"

#include "Icons.h"
#include "SchemaForm.h"
#include "protocol/Elicitation.h"

#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

namespace lanyard {

ElicitationDialog::ElicitationDialog(const QString& serverName, const json& params, QWidget* parent)
    : QDialog(parent)
{
    setObjectName(QStringLiteral("elicitationDialog"));
    setWindowTitle(tr("%1 asks for information").arg(serverName));
    auto* layout = new QVBoxLayout(this);
    auto* header = new QHBoxLayout();
    auto* icon = new QLabel(this);
    icon->setPixmap(ui::icon(QStringLiteral("server"), ui::infoColor()).pixmap(32, 32));
    auto* who = new QLabel(tr("The server \"%1\" asks:").arg(serverName), this);
    who->setObjectName(QStringLiteral("elicitationServer"));
    who->setTextFormat(Qt::PlainText);
    QFont bold = who->font();
    bold.setBold(true);
    who->setFont(bold);
    header->addWidget(icon);
    header->addWidget(who, 1);
    layout->addLayout(header);
    auto* message = new QLabel(qs(params, "message").left(2000), this);
    message->setObjectName(QStringLiteral("elicitationMessage"));
    message->setTextFormat(Qt::PlainText); // server text: never rich text
    message->setWordWrap(true);
    message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(message);

    const QString mode = qs(params, "mode", QStringLiteral("form"));
    auto* buttons = new QDialogButtonBox(this);
    if (mode == QLatin1String("form")) {
        m_schema = params.value("requestedSchema", json::object());
        m_form = new SchemaForm();
        m_form->setObjectName(QStringLiteral("elicitationForm"));
        m_form->setSchema(m_schema);
        auto* scroll = new QScrollArea(this);
        scroll->setWidgetResizable(true);
        scroll->setFrameShape(QFrame::NoFrame);
        scroll->setWidget(m_form);
        layout->addWidget(scroll, 1);
        m_accept = buttons->addButton(tr("Accept"), QDialogButtonBox::AcceptRole);
        m_accept->setObjectName(QStringLiteral("elicitationAccept"));
        m_accept->setDefault(true);
        m_accept->setEnabled(m_form->isValid());
        connect(m_form, &SchemaForm::validityChanged, m_accept, &QPushButton::setEnabled);
        connect(m_accept, &QPushButton::clicked, this, [this] {
            const json content = elicitation::withDefaults(m_schema, m_form->value());
            if (!m_form->isValid() || !elicitation::check(m_schema, content).isEmpty())
                return;
            finish(json { { "action", "accept" }, { "content", content } }, QDialog::Accepted);
        });
    } else {
        auto* unsupported = new QLabel(tr("This request uses the \"%1\" mode, which Lanyard does not support yet. "
                                          "Decline it or cancel.")
                                           .arg(mode.left(40)),
            this);
        unsupported->setTextFormat(Qt::PlainText);
        unsupported->setWordWrap(true);
        layout->addWidget(unsupported);
    }
    QPushButton* decline = buttons->addButton(tr("Decline"), QDialogButtonBox::DestructiveRole);
    decline->setObjectName(QStringLiteral("elicitationDecline"));
    QPushButton* cancel = buttons->addButton(QDialogButtonBox::Cancel);
    cancel->setObjectName(QStringLiteral("elicitationCancel"));
    layout->addWidget(buttons);
    connect(decline, &QPushButton::clicked, this, [this] {
        finish(json { { "action", "decline" } }, QDialog::Rejected);
    });
    connect(cancel, &QPushButton::clicked, this, &ElicitationDialog::reject);
    resize(520, qMin(640, sizeHint().height() + 40));
}

ElicitationDialog::~ElicitationDialog()
{
    if (!m_answered) {
        m_answered = true;
        m_answer = json { { "action", "cancel" } };
        emit answered(m_answer);
    }
}

void ElicitationDialog::reject()
{
    finish(json { { "action", "cancel" } }, QDialog::Rejected);
}

void ElicitationDialog::finish(const json& result, int code)
{
    if (!m_answered) {
        m_answered = true;
        m_answer = result;
        emit answered(result);
    }
    done(code);
}

} // namespace lanyard
