// SPDX-License-Identifier: MIT
#include "ArgumentCompleter.h"

#include "protocol/JsonRpcConnection.h"

#include <QCompleter>
#include <QLineEdit>
#include <QStringListModel>

namespace lanyard {

ArgumentCompleter::ArgumentCompleter(QLineEdit* edit, Requester requester, QObject* parent)
    : QObject(parent ? parent : edit)
    , m_edit(edit)
    , m_requester(std::move(requester))
{
    m_model = new QStringListModel(this);
    m_completer = new QCompleter(m_model, this);
    m_completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_completer->setCompletionMode(QCompleter::UnfilteredPopupCompletion);
    edit->setCompleter(m_completer);
    m_timer.setSingleShot(true);
    m_timer.setInterval(250);
    connect(&m_timer, &QTimer::timeout, this, &ArgumentCompleter::requestNow);
    connect(edit, &QLineEdit::textEdited, this, [this] { m_timer.start(); });
}

QStringList ArgumentCompleter::suggestions() const
{
    return m_model->stringList();
}

void ArgumentCompleter::requestNow()
{
    if (!m_edit || !m_requester)
        return;
    const quint64 serial = ++m_serial;
    PendingRequest* request = m_requester(m_edit->text());
    if (!request)
        return;
    connect(request, &PendingRequest::finished, this, [this, serial](const json& result) {
        if (serial != m_serial || !m_edit)
            return; // the text changed since
        QStringList values;
        const json completion = result.is_object() ? result.value("completion", json::object()) : json::object();
        const json list = completion.is_object() ? completion.value("values", json::array()) : json::array();
        if (list.is_array()) {
            for (const auto& v : list) {
                if (v.is_string() && values.size() < 100)
                    values << qstr(v.get<std::string>()).left(500);
            }
        }
        m_model->setStringList(values);
        emit suggestionsChanged(values);
        if (!values.isEmpty() && m_edit->hasFocus())
            m_completer->complete();
    });
}

} // namespace lanyard
