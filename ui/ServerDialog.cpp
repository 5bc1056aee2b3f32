// SPDX-License-Identifier: MIT
#include "ServerDialog.h"

#include "Icons.h"
#include "session/SessionManager.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QRegularExpression>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace lanyard {

namespace {

// "Name: value" (headers) or "NAME=value" (environment) lines. Returns false with the bad line.
bool parseLines(const QString& text, QChar separator, json* out, QString* badLine)
{
    *out = json::object();
    for (const QString& raw : text.split(QLatin1Char('\n'))) {
        const QString line = raw.trimmed();
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
            continue;
        const qsizetype at = line.indexOf(separator);
        if (at <= 0) {
            *badLine = line;
            return false;
        }
        (*out)[line.left(at).trimmed().toStdString()] = line.mid(at + 1).trimmed().toStdString();
    }
    return true;
}

QString quoteArg(const QString& arg)
{
    if (!arg.isEmpty() && !arg.contains(QRegularExpression(QStringLiteral("[\\s\"']"))))
        return arg;
    QString escaped = arg;
    escaped.replace(QLatin1Char('"'), QStringLiteral("\"\"\""));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}

} // namespace

ServerDialog::ServerDialog(SessionManager* manager, const ServerConfig* existing, QWidget* parent)
    : QDialog(parent)
    , m_manager(manager)
{
    setObjectName(QStringLiteral("serverDialog"));
    setWindowTitle(existing ? tr("Edit Server") : tr("Add Server"));
    auto* layout = new QVBoxLayout(this);
    auto* form = new QFormLayout();
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_name = new QLineEdit(this);
    m_name->setObjectName(QStringLiteral("serverName"));
    m_name->setPlaceholderText(tr("e.g. hr-directory"));
    m_name->setAccessibleName(tr("Server name"));
    form->addRow(tr("&Name:"), m_name);

    m_transport = new QComboBox(this);
    m_transport->setObjectName(QStringLiteral("transportCombo"));
    m_transport->setAccessibleName(tr("Transport"));
    m_transport->addItem(ui::icon(QStringLiteral("server")), tr("Streamable HTTP (URL)"));
    m_transport->addItem(ui::icon(QStringLiteral("tool")), tr("Local program (stdio)"));
    form->addRow(tr("&Transport:"), m_transport);

    m_transportStack = new QStackedWidget(this);
    auto* httpPage = new QWidget(m_transportStack);
    auto* httpForm = new QFormLayout(httpPage);
    httpForm->setContentsMargins(0, 0, 0, 0);
    m_url = new QLineEdit(httpPage);
    m_url->setObjectName(QStringLiteral("serverUrl"));
    m_url->setPlaceholderText(QStringLiteral("https://example.com/mcp"));
    m_url->setAccessibleName(tr("Server URL"));
    m_headers = new QPlainTextEdit(httpPage);
    m_headers->setObjectName(QStringLiteral("serverHeaders"));
    m_headers->setAccessibleName(tr("Extra HTTP headers"));
    m_headers->setPlaceholderText(tr("One per line, e.g.\nX-Team: payments"));
    m_headers->setTabChangesFocus(true);
    m_headers->setFixedHeight(64);
    httpForm->addRow(tr("&URL:"), m_url);
    httpForm->addRow(tr("&Headers:"), m_headers);
    auto* stdioPage = new QWidget(m_transportStack);
    auto* stdioForm = new QFormLayout(stdioPage);
    stdioForm->setContentsMargins(0, 0, 0, 0);
    m_command = new QLineEdit(stdioPage);
    m_command->setObjectName(QStringLiteral("serverCommand"));
    m_command->setPlaceholderText(tr("program, e.g. npx"));
    m_command->setAccessibleName(tr("Program"));
    m_args = new QLineEdit(stdioPage);
    m_args->setObjectName(QStringLiteral("serverArgs"));
    m_args->setPlaceholderText(tr("arguments, e.g. -y @modelcontextprotocol/server-everything stdio"));
    m_args->setAccessibleName(tr("Arguments"));
    m_env = new QPlainTextEdit(stdioPage);
    m_env->setObjectName(QStringLiteral("serverEnv"));
    m_env->setAccessibleName(tr("Environment variables"));
    m_env->setPlaceholderText(tr("One per line, e.g.\nLOG_LEVEL=debug"));
    m_env->setTabChangesFocus(true);
    m_env->setFixedHeight(64);
    stdioForm->addRow(tr("&Program:"), m_command);
    stdioForm->addRow(tr("&Arguments:"), m_args);
    stdioForm->addRow(tr("&Environment:"), m_env);
    m_transportStack->addWidget(httpPage);
    m_transportStack->addWidget(stdioPage);
    form->addRow(m_transportStack);

    m_auth = new QComboBox(this);
    m_auth->setObjectName(QStringLiteral("authCombo"));
    m_auth->setAccessibleName(tr("Sign-in"));
    m_auth->addItem(tr("None"), QStringLiteral("none"));
    m_auth->addItem(tr("Bearer token from an environment variable"), QStringLiteral("bearer"));
    form->addRow(tr("&Sign-in:"), m_auth);
    m_authEnv = new QLineEdit(this);
    m_authEnv->setObjectName(QStringLiteral("authEnv"));
    m_authEnv->setPlaceholderText(tr("variable name, e.g. HR_TOKEN"));
    m_authEnv->setAccessibleName(tr("Environment variable holding the token"));
    m_authEnvLabel = new QLabel(tr("Token &variable:"), this);
    m_authEnvLabel->setBuddy(m_authEnv);
    form->addRow(m_authEnvLabel, m_authEnv);
    auto* identityNote = new QLabel(tr("Entra sign-in and token exchange arrive with the identity module."), this);
    identityNote->setForegroundRole(QPalette::PlaceholderText);
    identityNote->setWordWrap(true);
    form->addRow(QString(), identityNote);

    m_timeout = new QDoubleSpinBox(this);
    m_timeout->setObjectName(QStringLiteral("timeoutSpin"));
    m_timeout->setAccessibleName(tr("Request timeout in seconds"));
    m_timeout->setRange(0.1, 3600);
    m_timeout->setDecimals(1);
    m_timeout->setSuffix(tr(" s"));
    m_timeout->setValue(60);
    form->addRow(tr("T&imeout:"), m_timeout);
    m_enabled = new QCheckBox(tr("Connect when Lanyard starts"), this);
    m_enabled->setObjectName(QStringLiteral("serverEnabled"));
    m_enabled->setChecked(true);
    form->addRow(QString(), m_enabled);
    layout->addLayout(form);

    m_validation = new QLabel(this);
    m_validation->setObjectName(QStringLiteral("validationLabel"));
    m_validation->setTextFormat(Qt::PlainText);
    m_validation->setWordWrap(true);
    m_validation->setMinimumHeight(m_validation->fontMetrics().height() * 2 + 4);
    m_validation->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    layout->addWidget(m_validation);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setObjectName(QStringLiteral("serverDialogOk"));
    m_buttons->button(QDialogButtonBox::Ok)->setText(existing ? tr("Save") : tr("Add"));
    layout->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, [this] {
        revalidate();
        if (m_valid)
            accept();
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    if (existing) {
        m_originalName = existing->name;
        m_raw = existing->raw.is_object() ? existing->raw : json::object();
        loadFrom(*existing);
    }
    for (QLineEdit* e : { m_name, m_url, m_command, m_args, m_authEnv })
        connect(e, &QLineEdit::textChanged, this, &ServerDialog::revalidate);
    connect(m_headers, &QPlainTextEdit::textChanged, this, &ServerDialog::revalidate);
    connect(m_env, &QPlainTextEdit::textChanged, this, &ServerDialog::revalidate);
    connect(m_transport, &QComboBox::currentIndexChanged, this, [this](int index) {
        m_transportStack->setCurrentIndex(index);
        revalidate();
    });
    connect(m_auth, &QComboBox::currentIndexChanged, this, &ServerDialog::revalidate);
    connect(m_timeout, &QDoubleSpinBox::valueChanged, this, &ServerDialog::revalidate);
    connect(m_enabled, &QCheckBox::toggled, this, &ServerDialog::revalidate);
    resize(560, sizeHint().height());
    revalidate();
}

void ServerDialog::loadFrom(const ServerConfig& s)
{
    m_name->setText(s.name);
    m_transport->setCurrentIndex(s.isStdio() ? 1 : 0);
    m_transportStack->setCurrentIndex(s.isStdio() ? 1 : 0);
    m_url->setText(s.url.toString());
    QStringList headerLines;
    for (const auto& [k, v] : s.headers)
        headerLines << QStringLiteral("%1: %2").arg(QString::fromUtf8(k), QString::fromUtf8(v));
    m_headers->setPlainText(headerLines.join(QLatin1Char('\n')));
    m_command->setText(s.command);
    QStringList args;
    for (const QString& a : s.args)
        args << quoteArg(a);
    m_args->setText(args.join(QLatin1Char(' ')));
    QStringList envLines;
    for (auto it = s.env.cbegin(); it != s.env.cend(); ++it)
        envLines << QStringLiteral("%1=%2").arg(it.key(), it.value());
    m_env->setPlainText(envLines.join(QLatin1Char('\n')));
    int authIndex = m_auth->findData(s.auth.type);
    if (authIndex < 0 || (s.auth.type == QLatin1String("bearer") && s.auth.env.isEmpty())) {
        // A mode this dialog cannot edit (identity modes, keychain bearer): keep it as configured.
        m_auth->addItem(tr("%1 (as configured in the file)").arg(s.auth.type), QStringLiteral("keep"));
        authIndex = m_auth->count() - 1;
    }
    m_auth->setCurrentIndex(authIndex);
    m_authEnv->setText(s.auth.env);
    m_timeout->setValue(s.timeoutSeconds);
    m_enabled->setChecked(s.enabled);
}

json ServerDialog::serverJson() const
{
    json j = m_raw;
    j["name"] = m_name->text().trimmed().toStdString();
    if (m_transport->currentIndex() == 0) {
        j.erase("command");
        j.erase("args");
        j.erase("env");
        j.erase("cwd");
        j["url"] = m_url->text().trimmed().toStdString();
        json headers;
        QString bad;
        if (parseLines(m_headers->toPlainText(), QLatin1Char(':'), &headers, &bad) && !headers.empty())
            j["headers"] = headers;
        else
            j.erase("headers");
    } else {
        j.erase("url");
        j.erase("headers");
        j["command"] = m_command->text().trimmed().toStdString();
        json args = json::array();
        for (const QString& a : QProcess::splitCommand(m_args->text()))
            args.push_back(a.toStdString());
        j["args"] = args;
        json env;
        QString bad;
        if (parseLines(m_env->toPlainText(), QLatin1Char('='), &env, &bad) && !env.empty())
            j["env"] = env;
        else
            j.erase("env");
    }
    const QString auth = m_auth->currentData().toString();
    if (auth == QLatin1String("none")) {
        j["auth"] = json { { "type", "none" } };
    } else if (auth == QLatin1String("bearer")) {
        json a = json { { "type", "bearer" }, { "env", m_authEnv->text().trimmed().toStdString() } };
        j["auth"] = a;
    } // "keep": the raw auth block stays as it was
    j["timeoutSeconds"] = m_timeout->value();
    if (m_enabled->isChecked())
        j.erase("enabled");
    else
        j["enabled"] = false;
    return j;
}

QString ServerDialog::validationMessage() const
{
    return m_valid ? QString() : m_validation->text();
}

void ServerDialog::revalidate()
{
    const bool bearer = m_auth->currentData().toString() == QLatin1String("bearer");
    m_authEnv->setVisible(bearer);
    m_authEnvLabel->setVisible(bearer);
    QString problem;
    json parsedLines;
    QString bad;
    if (m_transport->currentIndex() == 0 && !parseLines(m_headers->toPlainText(), QLatin1Char(':'), &parsedLines, &bad))
        problem = tr("Header line \"%1\" needs the form Name: value.").arg(bad.left(60));
    else if (m_transport->currentIndex() == 1
        && !parseLines(m_env->toPlainText(), QLatin1Char('='), &parsedLines, &bad))
        problem = tr("Environment line \"%1\" needs the form NAME=value.").arg(bad.left(60));
    if (problem.isEmpty()) {
        Error error;
        auto server = m_manager->validateServer(serverJson(), m_originalName, &error);
        if (server) {
            m_server = *server;
        } else {
            problem = error.message;
            // The file-oriented prefix ("the configuration: server ("x")") adds nothing here.
            static const QRegularExpression prefix(QStringLiteral("^.*?server( \\(\"[^\"]*\"\\))?[.:]\\s*"));
            problem.remove(prefix);
            if (!problem.isEmpty())
                problem[0] = problem[0].toUpper();
        }
    }
    m_valid = problem.isEmpty();
    QPalette pal = m_validation->palette();
    pal.setColor(QPalette::WindowText, m_valid ? ui::successColor() : ui::errorColor());
    m_validation->setPalette(pal);
    m_validation->setText(m_valid ? tr("Looks good.") : problem);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(m_valid);
}

} // namespace lanyard
