// SPDX-License-Identifier: MIT
#pragma once

#include "util/Json.h"

#include <QDialog>

class QPushButton;

namespace lanyard {

class SchemaForm;

// An elicitation/create request shown as a form, naming the server that asks. Accept sends the
// form's content, Decline and Cancel (or closing the window) send those actions. answered() fires
// exactly once.
class ElicitationDialog : public QDialog
{
    Q_OBJECT
public:
    ElicitationDialog(const QString& serverName, const json& params, QWidget* parent = nullptr);
    ~ElicitationDialog() override;

    json answer() const { return m_answer; }
    SchemaForm* form() const { return m_form; }

signals:
    void answered(const lanyard::json& result);

public slots:
    void reject() override;

private:
    void finish(const json& result, int code);

    SchemaForm* m_form = nullptr;
    QPushButton* m_accept = nullptr;
    json m_schema;
    json m_answer;
    bool m_answered = false;
};

} // namespace lanyard
