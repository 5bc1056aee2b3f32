// SPDX-License-Identifier: MIT
#pragma once

#include "config/Config.h"
#include "util/Json.h"

#include <QDialog>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QStackedWidget;

namespace lanyard {

class SessionManager;

// Add or edit one server: name, Streamable HTTP URL or stdio command/arguments/environment, extra
// headers, identity (none, or a bearer token from an environment variable), timeout. Validated as
// you type with the same rules as the configuration file (ConfigStore::parseServer); OK stays
// disabled while something is wrong. Settings the dialog does not show are kept.
class ServerDialog : public QDialog
{
    Q_OBJECT
public:
    // existing = nullptr to add a server.
    ServerDialog(SessionManager* manager, const ServerConfig* existing, QWidget* parent = nullptr);

    // The validated server (valid after the dialog was accepted, or when isValid()).
    ServerConfig server() const { return m_server; }
    bool isValid() const { return m_valid; }
    QString validationMessage() const;
    // The JSON the fields describe (what would go into the configuration file).
    json serverJson() const;

private:
    void revalidate();
    void loadFrom(const ServerConfig& server);

    SessionManager* m_manager;
    QString m_originalName;
    json m_raw = json::object();
    QLineEdit* m_name;
    QComboBox* m_transport;
    QStackedWidget* m_transportStack;
    QLineEdit* m_url;
    QPlainTextEdit* m_headers;
    QLineEdit* m_command;
    QLineEdit* m_args;
    QPlainTextEdit* m_env;
    QComboBox* m_auth;
    QLineEdit* m_authEnv;
    QLabel* m_authEnvLabel;
    QDoubleSpinBox* m_timeout;
    QCheckBox* m_enabled;
    QLabel* m_validation;
    QDialogButtonBox* m_buttons;
    ServerConfig m_server;
    bool m_valid = false;
};

} // namespace lanyard
