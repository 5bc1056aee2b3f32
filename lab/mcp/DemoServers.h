// SPDX-License-Identifier: MIT
#pragma once

#include "mcp/McpServer.h"

#include <QList>
#include <QString>

#include <vector>

namespace lanyard::lab {

// Tools shared by the demo servers.
namespace demo {
// whoami: exactly the claims this server saw, plus the delegation chain from nested `act` claims.
ToolDefinition whoamiTool();
// A small valid PNG (width x height, RGBA gradient) and a short mono WAV tone, made in code.
QByteArray makePng(int width, int height);
QByteArray makeWav(int milliseconds, int frequencyHz);
} // namespace demo

struct Employee
{
    QString id; // "E1001"
    QString name;
    QString email; // matched against preferred_username / upn / email of the caller
    QString title;
    QString department;
    QString managerId;
    int salary = 0;
};

// The HR directory: a demo of per-user and per-role access.
//
// Access rules (documented in docs/lab.md):
// - everyone: whoami, list_employees, get_employee (without salary), generate_report,
//   request_time_off, hr://me, hr://employees/{id}, hr://policies/leave, prompt performance_review;
// - role HR.Admin (or hr.admin, as the lab token service writes it): salaries in get_employee,
//   update_salary, audit_log (tool and hr://audit-log);
// - update_salary also needs the scope HR.Write in a real (non-anonymous) token: a token without it
//   gets HTTP 403 with `WWW-Authenticate: Bearer error="insufficient_scope"` (step-up helps);
//   a caller without the role gets a tool error (isError: true), since no new token would help.
class HrDemoServer : public McpServer
{
    Q_OBJECT
public:
    static constexpr const char* AdminRole = "HR.Admin";
    static constexpr const char* ReadScope = "HR.Read";
    static constexpr const char* WriteScope = "HR.Write";

    explicit HrDemoServer(McpServerOptions options = defaultOptions(), QObject* parent = nullptr);
    ~HrDemoServer() override;
    static McpServerOptions defaultOptions();

    const std::vector<Employee>& employees() const { return m_employees; }
    // [{time, subject, tool, outcome, detail}], newest last.
    json auditLog() const { return m_audit; }
    void record(const QString& subject, const QString& tool, const QString& outcome, const QString& detail = {});

private:
    void addTools();
    void addResourcesAndPrompts();
    const Employee* employeeById(const QString& id) const;
    const Employee* employeeFor(const Caller& caller) const;
    json employeeJson(const Employee& e, bool withSalary) const;

    std::vector<Employee> m_employees;
    json m_audit = json::array();
};

// Documentation: every content type a client must render.
class DocsDemoServer : public McpServer
{
    Q_OBJECT
public:
    explicit DocsDemoServer(McpServerOptions options = defaultOptions(), QObject* parent = nullptr);
    static McpServerOptions defaultOptions();
    // Largest size large_result accepts.
    static constexpr qint64 MaxLargeResultBytes = 64 * 1024 * 1024;

private:
    struct Doc
    {
        QString name; // "getting-started"
        QString title;
        QString text; // markdown
    };
    std::vector<Doc> m_docs;
};

// Many tools, for paging and performance tests.
class BenchDemoServer : public McpServer
{
    Q_OBJECT
public:
    explicit BenchDemoServer(
        int toolCount = 1000, McpServerOptions options = defaultOptions(), QObject* parent = nullptr);
    static McpServerOptions defaultOptions();
    static QString toolName(int index); // "bench_00001" (1-based)
};

} // namespace lanyard::lab
