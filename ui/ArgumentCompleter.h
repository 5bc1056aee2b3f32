// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>

class QCompleter;
class QLineEdit;
class QStringListModel;

namespace lanyard {

class PendingRequest;

// Offers completion/complete suggestions under a line edit: asks (debounced) as the user types,
// drops answers that arrive after the text changed again, never blocks.
class ArgumentCompleter : public QObject
{
    Q_OBJECT
public:
    // Returns the request for the current value, or nullptr when the server offers no completion.
    using Requester = std::function<PendingRequest*(const QString& value)>;

    ArgumentCompleter(QLineEdit* edit, Requester requester, QObject* parent = nullptr);
    void setDelayMs(int ms) { m_timer.setInterval(ms); }
    QStringList suggestions() const;
    // Ask now (also done 250 ms after the user stops typing, and on focus).
    void requestNow();

signals:
    void suggestionsChanged(const QStringList& values);

private:
    QPointer<QLineEdit> m_edit;
    Requester m_requester;
    QCompleter* m_completer;
    QStringListModel* m_model;
    QTimer m_timer;
    quint64 m_serial = 0;
};

} // namespace lanyard
