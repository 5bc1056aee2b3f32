// SPDX-License-Identifier: MIT
#include "DemoServers.h"

#include <QDateTime>
#include <QRandomGenerator>
#include <QTimer>

namespace lanyard::lab {

namespace {

json annotations(bool readOnly, bool destructive, bool idempotent, const char* title)
{
    return { { "title", title }, { "readOnlyHint", readOnly }, { "destructiveHint", destructive },
        { "idempotentHint", idempotent }, { "openWorldHint", false } };
}

// Entra app role "HR.Admin"; the lab token service maps it to "hr.admin" in the tokens it issues.
const QStringList kAdminRoles = { QString::fromLatin1(HrDemoServer::AdminRole), QStringLiteral("hr.admin") };

bool isAdmin(const Caller& c)
{
    for (const QString& r : kAdminRoles) {
        if (c.hasRole(r))
            return true;
    }
    return false;
}

json structured(const QString& text, const json& data)
{
    return { { "content", json::array({ { { "type", "text" }, { "text", text.toStdString() } } }) },
        { "structuredContent", data } };
}

constexpr int kMaxAudit = 1000;
const QString kAuditUri = QStringLiteral("hr://audit-log");
const QString kMeUri = QStringLiteral("hr://me");

} // namespace

McpServerOptions HrDemoServer::defaultOptions()
{
    McpServerOptions o;
    o.name = QStringLiteral("lab-hr");
    o.title = QStringLiteral("Lanyard Lab HR");
    o.instructions = QStringLiteral(
        "A demo HR directory. Everyone may list employees and see their own profile (hr://me); "
        "salaries, update_salary and the audit log need the HR.Admin role; update_salary also needs the "
        "HR.Write scope.");
    o.resourceName = o.title;
    o.scopesSupported = { QString::fromLatin1(ReadScope), QString::fromLatin1(WriteScope) };
    return o;
}

HrDemoServer::HrDemoServer(McpServerOptions options, QObject* parent)
    : McpServer(std::move(options), parent)
{
    auto add = [this](const char* id, const char* name, const char* email, const char* title, const char* dept,
                   const char* manager, int salary) {
        m_employees.push_back(Employee { QString::fromLatin1(id), QString::fromUtf8(name), QString::fromLatin1(email),
            QString::fromUtf8(title), QString::fromUtf8(dept), QString::fromLatin1(manager), salary });
    };
    add("E1001", "Alice Anders", "alice@lanyard.test", "Head of People", "HR", "E1012", 145000);
    add("E1002", "Bob Berg", "bob@lanyard.test", "Software Engineer", "Engineering", "E1004", 98000);
    add("E1003", "Carol Chen", "carol@lanyard.test", "HR Generalist", "HR", "E1001", 72000);
    add("E1004", "Dan Dias", "dan@lanyard.test", "Engineering Manager", "Engineering", "E1012", 132000);
    add("E1005", "Erin Evans", "erin@lanyard.test", "Product Designer", "Design", "E1009", 91000);
    add("E1006", "Frank Fischer", "frank@lanyard.test", "Sales Lead", "Sales", "E1012", 88000);
    add("E1007", "Grace Gupta", "grace@lanyard.test", "Data Scientist", "Engineering", "E1004", 115000);
    add("E1008", "Heidi Hahn", "heidi@lanyard.test", "Accountant", "Finance", "E1010", 76000);
    add("E1009", "Ivan Ivanov", "ivan@lanyard.test", "Design Manager", "Design", "E1012", 118000);
    add("E1010", "Judy Jones", "judy@lanyard.test", "Finance Director", "Finance", "E1012", 140000);
    add("E1011", "Mallory Moss", "mallory@lanyard.test", "Security Analyst", "Engineering", "E1004", 99000);
    add("E1012", "Oscar Olsen", "oscar@lanyard.test", "Chief Executive", "Executive", "", 210000);
    // The users of the identity lab's built-in scenario.
    add("E1013", "Ada Admin", "ada@lanyardlab.onmicrosoft.com", "HR Systems Administrator", "HR", "E1001", 121000);
    add("E1014", "Olli User", "olli@lanyardlab.onmicrosoft.com", "Support Engineer", "Engineering", "E1004", 83000);
    add("E1015", "Chris Newcomer", "chris@lanyardlab.onmicrosoft.com", "Junior Analyst", "Finance", "E1010", 61000);

    // Every tools/call lands in the audit log, including refusals.
    connect(this, &McpServer::toolCalled, this,
        [this](
            const QString& tool, const QString& subject, const QString& outcome) { record(subject, tool, outcome); });
    addTools();
    addResourcesAndPrompts();
}

HrDemoServer::~HrDemoServer()
{
    // Calls in flight hold callbacks into this object: end them while it still exists.
    closeAllSessions();
}

void HrDemoServer::record(const QString& subject, const QString& tool, const QString& outcome, const QString& detail)
{
    json entry = { { "time", QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toStdString() },
        { "subject", subject.toStdString() }, { "tool", tool.toStdString() }, { "outcome", outcome.toStdString() } };
    if (!detail.isEmpty())
        entry["detail"] = detail.toStdString();
    m_audit.push_back(entry);
    if (m_audit.size() > kMaxAudit)
        m_audit.erase(m_audit.begin());
    notifyResourceUpdated(kAuditUri);
}

const Employee* HrDemoServer::employeeById(const QString& id) const
{
    for (const auto& e : m_employees) {
        if (e.id.compare(id, Qt::CaseInsensitive) == 0)
            return &e;
    }
    return nullptr;
}

const Employee* HrDemoServer::employeeFor(const Caller& caller) const
{
    for (const char* key : { "preferred_username", "upn", "email", "unique_name" }) {
        const QString v = qs(caller.claims, key);
        if (v.isEmpty())
            continue;
        for (const auto& e : m_employees) {
            if (e.email.compare(v, Qt::CaseInsensitive) == 0)
                return &e;
        }
    }
    // Tokens without a user name (some exchanged tokens) may still carry the display name.
    const QString name = qs(caller.claims, "name");
    for (const auto& e : m_employees) {
        if (!name.isEmpty() && e.name == name)
            return &e;
    }
    return nullptr;
}

json HrDemoServer::employeeJson(const Employee& e, bool withSalary) const
{
    json j = { { "id", e.id.toStdString() }, { "name", e.name.toStdString() }, { "email", e.email.toStdString() },
        { "title", e.title.toStdString() }, { "department", e.department.toStdString() } };
    if (const Employee* m = employeeById(e.managerId))
        j["manager"] = { { "id", m->id.toStdString() }, { "name", m->name.toStdString() } };
    if (withSalary)
        j["salary"] = e.salary;
    return j;
}

void HrDemoServer::addTools()
{
    addTool(demo::whoamiTool());

    {
        ToolDefinition t;
        t.descriptor = {
            { "name", "list_employees" },
            { "title", "List employees" },
            { "description", "Lists the people in the directory (no salaries), optionally for one department." },
            { "inputSchema",
                { { "type", "object" },
                    { "properties",
                        { { "department",
                            { { "type", "string" },
                                { "description",
                                    "Only this department (HR, Engineering, Design, Sales, Finance, "
                                    "Executive)." } } } } },
                    { "additionalProperties", false } } },
            { "annotations", annotations(true, false, true, "List employees") },
        };
        t.handler = [this](const CallPtr& ctx) {
            const QString dept = qs(ctx->arguments(), "department");
            json list = json::array();
            QStringList lines;
            for (const auto& e : m_employees) {
                if (!dept.isEmpty() && e.department.compare(dept, Qt::CaseInsensitive) != 0)
                    continue;
                list.push_back(employeeJson(e, false));
                lines << QStringLiteral("%1  %2 — %3 (%4)").arg(e.id, e.name, e.title, e.department);
            }
            const QString text = lines.isEmpty() ? QStringLiteral("No employees in department '%1'.").arg(dept)
                                                 : lines.join(QLatin1Char('\n'));
            ctx->respond(structured(text, { { "employees", list } }));
        };
        addTool(std::move(t));
    }
    {
        ToolDefinition t;
        t.descriptor = {
            { "name", "get_employee" },
            { "title", "Get an employee" },
            { "description", "One employee's record. The salary is included for HR admins and for your own record." },
            { "inputSchema",
                { { "type", "object" },
                    { "properties",
                        { { "id", { { "type", "string" }, { "description", "Employee id, e.g. E1003." } } } } },
                    { "required", { "id" } }, { "additionalProperties", false } } },
            { "annotations", annotations(true, false, true, "Get an employee") },
        };
        t.handler = [this](const CallPtr& ctx) {
            const Employee* e = employeeById(qs(ctx->arguments(), "id"));
            if (!e) {
                ctx->respond(errorResult(QStringLiteral("No employee with id '%1'. Try list_employees.")
                                             .arg(qs(ctx->arguments(), "id").left(40))));
                return;
            }
            const bool withSalary = isAdmin(ctx->caller()) || employeeFor(ctx->caller()) == e;
            const json j = employeeJson(*e, withSalary);
            ctx->respond(structured(QString::fromUtf8(dumpJson(j, 2)), j));
        };
        addTool(std::move(t));
    }
    {
        ToolDefinition t;
        t.descriptor = {
            { "name", "update_salary" },
            { "title", "Update a salary" },
            { "description",
                "Sets an employee's salary. Needs the HR.Admin role and a token with the HR.Write scope. "
                "Recorded in the audit log." },
            { "inputSchema",
                { { "type", "object" },
                    { "properties",
                        { { "id", { { "type", "string" }, { "description", "Employee id, e.g. E1003." } } },
                            { "salary",
                                { { "type", "integer" }, { "minimum", 0 }, { "maximum", 10000000 },
                                    { "description", "New yearly salary." } } } } },
                    { "required", { "id", "salary" } }, { "additionalProperties", false } } },
            { "annotations", annotations(false, true, true, "Update a salary") },
        };
        t.requiredScopes = { QString::fromLatin1(WriteScope) };
        t.requiredRoles = kAdminRoles;
        t.handler = [this](const CallPtr& ctx) {
            const json args = ctx->arguments();
            const QString id = qs(args, "id");
            auto it = std::find_if(m_employees.begin(), m_employees.end(),
                [&](const Employee& e) { return e.id.compare(id, Qt::CaseInsensitive) == 0; });
            if (it == m_employees.end()) {
                ctx->respond(errorResult(QStringLiteral("No employee with id '%1'.").arg(id.left(40))));
                return;
            }
            const int old = it->salary;
            it->salary = int(args.value("salary", 0.0));
            record(ctx->caller().subject(), QStringLiteral("update_salary"), QStringLiteral("changed"),
                QStringLiteral("%1: %2 -> %3").arg(it->id).arg(old).arg(it->salary));
            ctx->respond(structured(QStringLiteral("Salary of %1 (%2) changed from %3 to %4.")
                                        .arg(it->name, it->id)
                                        .arg(old)
                                        .arg(it->salary),
                { { "id", it->id.toStdString() }, { "old", old }, { "new", it->salary } }));
        };
        addTool(std::move(t));
    }
    {
        ToolDefinition t;
        t.descriptor = {
            { "name", "generate_report" },
            { "title", "Generate a headcount report" },
            { "description",
                "A slow tool: builds a headcount report step by step, reporting progress (send a "
                "progressToken) and logging each step. Cancel it with notifications/cancelled." },
            { "inputSchema",
                { { "type", "object" },
                    { "properties",
                        { { "department", { { "type", "string" }, { "description", "Only this department." } } },
                            { "steps",
                                { { "type", "integer" }, { "minimum", 1 }, { "maximum", 100 }, { "default", 10 } } },
                            { "step_ms",
                                { { "type", "integer" }, { "minimum", 10 }, { "maximum", 5000 },
                                    { "default", 300 } } } } },
                    { "additionalProperties", false } } },
            { "annotations", annotations(true, false, true, "Generate a headcount report") },
        };
        t.handler = [this](const CallPtr& ctx) {
            const json args = ctx->arguments();
            const int steps = std::clamp(int(args.value("steps", 10.0)), 1, 100);
            const int stepMs = std::clamp(int(args.value("step_ms", 300.0)), 10, 5000);
            const QString dept = qs(args, "department");
            QMap<QString, int> headcount;
            for (const auto& e : m_employees) {
                if (dept.isEmpty() || e.department.compare(dept, Qt::CaseInsensitive) == 0)
                    headcount[e.department] += 1;
            }
            const QString subject = ctx->caller().subject();
            QPointer<HrDemoServer> self(this);
            ctx->onCancelled([self, subject] {
                if (self)
                    self->record(subject, QStringLiteral("generate_report"), QStringLiteral("cancelled"));
            });
            auto done = std::make_shared<int>(0);
            auto* timer = new QTimer(ctx->guard());
            timer->setInterval(stepMs);
            QObject::connect(timer, &QTimer::timeout, timer, [ctx, timer, done, steps, headcount, dept] {
                if (ctx->isDone()) {
                    timer->stop();
                    return;
                }
                ++*done;
                ctx->progress(*done, steps, QStringLiteral("Step %1 of %2").arg(*done).arg(steps));
                ctx->log(QStringLiteral("info"), { { "step", *done }, { "of", steps } }, QStringLiteral("hr.report"));
                if (*done < steps)
                    return;
                timer->stop();
                QStringList lines { QStringLiteral("Headcount report%1")
                                        .arg(dept.isEmpty() ? QString() : QStringLiteral(" for ") + dept) };
                json data = json::object();
                for (auto it = headcount.cbegin(); it != headcount.cend(); ++it) {
                    lines << QStringLiteral("%1: %2").arg(it.key()).arg(it.value());
                    data[it.key().toStdString()] = it.value();
                }
                ctx->respond(structured(lines.join(QLatin1Char('\n')), { { "headcount", data }, { "steps", steps } }));
            });
            timer->start();
        };
        addTool(std::move(t));
    }
    {
        ToolDefinition t;
        t.descriptor = {
            { "name", "request_time_off" },
            { "title", "Request time off" },
            { "description", "Files a time-off request. Asks you for the dates through the client (elicitation)." },
            { "inputSchema",
                { { "type", "object" }, { "properties", json::object() }, { "additionalProperties", false } } },
            { "annotations", annotations(false, false, false, "Request time off") },
        };
        t.handler = [this](const CallPtr& ctx) {
            const json schema = { { "type", "object" },
                { "properties",
                    { { "start_date", { { "type", "string" }, { "format", "date" }, { "title", "First day" } } },
                        { "days",
                            { { "type", "integer" }, { "minimum", 1 }, { "maximum", 30 },
                                { "title", "Number of days" } } },
                        { "reason",
                            { { "type", "string" }, { "title", "Reason" },
                                { "enum", { "vacation", "family", "training", "other" } } } } } },
                { "required", { "start_date", "days" } } };
            const QString subject = ctx->caller().subject();
            QPointer<HrDemoServer> self(this);
            ctx->elicit(QStringLiteral("How much time off do you need?"), schema,
                [ctx, self, subject](const json& result, const json& error) {
                    if (!error.is_null()) {
                        ctx->respond(errorResult(
                            QStringLiteral("Could not ask you for the dates: %1").arg(qs(error, "message"))));
                        return;
                    }
                    const QString action = qs(result, "action");
                    if (action == QLatin1String("decline") || action == QLatin1String("cancel")) {
                        ctx->respond(structured(QStringLiteral("No request filed (you chose %1).").arg(action),
                            { { "filed", false }, { "action", action.toStdString() } }));
                        return;
                    }
                    const json content = result.value("content", json::object());
                    const QString start = qs(content, "start_date");
                    const int days = content.value("days", json(0)).is_number() ? int(content.value("days", 0.0)) : 0;
                    if (action != QLatin1String("accept") || start.isEmpty() || days < 1 || days > 30) {
                        ctx->respond(
                            errorResult(QStringLiteral("The answer did not contain a start date and 1–30 days.")));
                        return;
                    }
                    const QString requestId
                        = QStringLiteral("TO-%1").arg(QRandomGenerator::global()->bounded(10000, 99999));
                    if (self)
                        self->record(subject, QStringLiteral("request_time_off"), QStringLiteral("filed"),
                            QStringLiteral("%1: %2 day(s) from %3").arg(requestId).arg(days).arg(start));
                    ctx->respond(
                        structured(QStringLiteral("Time off requested: %1 day(s) from %2 (%3). Request %4.")
                                       .arg(days)
                                       .arg(start, qs(content, "reason", QStringLiteral("no reason given")), requestId),
                            { { "filed", true }, { "request_id", requestId.toStdString() },
                                { "start_date", start.toStdString() }, { "days", days } }));
                });
        };
        addTool(std::move(t));
    }
    {
        ToolDefinition t;
        t.descriptor = {
            { "name", "audit_log" },
            { "title", "Audit log" },
            { "description", "Who called which tool, newest last (HR admins only)." },
            { "inputSchema",
                { { "type", "object" },
                    { "properties",
                        { { "limit",
                            { { "type", "integer" }, { "minimum", 1 }, { "maximum", 1000 }, { "default", 50 } } } } },
                    { "additionalProperties", false } } },
            { "annotations", annotations(true, false, true, "Audit log") },
        };
        t.requiredRoles = kAdminRoles;
        t.visibleTo = isAdmin;
        t.handler = [this](const CallPtr& ctx) {
            const int limit = std::clamp(int(ctx->arguments().value("limit", 50.0)), 1, 1000);
            json entries = json::array();
            const size_t from = m_audit.size() > size_t(limit) ? m_audit.size() - size_t(limit) : 0;
            for (size_t i = from; i < m_audit.size(); ++i)
                entries.push_back(m_audit[i]);
            ctx->respond(structured(QString::fromUtf8(dumpJson(entries, 2)), { { "entries", entries } }));
        };
        addTool(std::move(t));
    }
}

void HrDemoServer::addResourcesAndPrompts()
{
    {
        ResourceDefinition r;
        r.descriptor = { { "uri", kMeUri.toStdString() }, { "name", "me" }, { "title", "My HR profile" },
            { "description", "Your own employee record, found from the identity in your token." },
            { "mimeType", "application/json" } };
        r.read = [this](const CallContext& ctx) {
            const Employee* e = employeeFor(ctx.caller());
            json body;
            if (e) {
                body = employeeJson(*e, true);
            } else {
                body = { { "subject", ctx.caller().subject().toStdString() }, { "employee", nullptr },
                    { "note",
                        "No employee record matches this identity (preferred_username, upn or email). "
                        "The lab directory uses addresses like alice@lanyard.test." } };
            }
            return json::array({ { { "uri", kMeUri.toStdString() }, { "mimeType", "application/json" },
                { "text", dumpJson(body, 2).toStdString() } } });
        };
        addResource(std::move(r));
    }
    {
        ResourceDefinition r;
        r.descriptor = { { "uri", "hr://policies/leave" }, { "name", "leave-policy" }, { "title", "Leave policy" },
            { "mimeType", "text/markdown" } };
        r.read = [](const CallContext&) {
            return json::array({ { { "uri", "hr://policies/leave" }, { "mimeType", "text/markdown" },
                { "text",
                    "# Leave policy\n\n- 25 days of paid leave a year.\n- Ask at least two weeks "
                    "ahead with `request_time_off`.\n- Up to 30 days in one request.\n" } } });
        };
        addResource(std::move(r));
    }
    {
        ResourceDefinition r;
        r.descriptor = { { "uri", kAuditUri.toStdString() }, { "name", "audit-log" }, { "title", "Audit log" },
            { "description", "Every tool call (HR admins only). Subscribe to be told of new entries." },
            { "mimeType", "application/json" } };
        r.visibleTo = isAdmin;
        r.read = [this](const CallContext&) {
            return json::array({ { { "uri", kAuditUri.toStdString() }, { "mimeType", "application/json" },
                { "text", dumpJson(m_audit, 2).toStdString() } } });
        };
        addResource(std::move(r));
    }

    auto idCompleter = [this](const QString& value, const json&, const Caller&) {
        QStringList out;
        for (const auto& e : m_employees) {
            if (e.id.startsWith(value, Qt::CaseInsensitive) || e.name.contains(value, Qt::CaseInsensitive))
                out << e.id;
        }
        return out;
    };
    {
        ResourceTemplateDefinition t;
        t.descriptor = { { "uriTemplate", "hr://employees/{id}" }, { "name", "employee" },
            { "title", "Employee record" }, { "description", "One employee by id (salary for HR admins only)." },
            { "mimeType", "application/json" } };
        t.read = [this](const QString& uri, const QMap<QString, QString>& vars,
                     const CallContext& ctx) -> std::optional<json> {
            const Employee* e = employeeById(vars.value(QStringLiteral("id")));
            if (!e)
                return std::nullopt;
            const bool withSalary = isAdmin(ctx.caller()) || employeeFor(ctx.caller()) == e;
            return json::array({ { { "uri", uri.toStdString() }, { "mimeType", "application/json" },
                { "text", dumpJson(employeeJson(*e, withSalary), 2).toStdString() } } });
        };
        t.completers[QStringLiteral("id")] = idCompleter;
        addResourceTemplate(std::move(t));
    }
    {
        PromptDefinition p;
        p.descriptor = {
            { "name", "performance_review" },
            { "title", "Performance review" },
            { "description", "Drafts a performance review for one employee." },
            { "arguments",
                { { { "name", "employee_id" }, { "description", "Employee id, e.g. E1003." }, { "required", true } },
                    { { "name", "focus" }, { "description", "growth, delivery or collaboration." },
                        { "required", false } },
                    { { "name", "period" }, { "description", "The period under review, e.g. 2026 H1." },
                        { "required", false } } } },
        };
        p.completers[QStringLiteral("employee_id")] = idCompleter;
        p.completers[QStringLiteral("focus")] = [](const QString& value, const json&, const Caller&) {
            QStringList out;
            for (const QString& f :
                { QStringLiteral("growth"), QStringLiteral("delivery"), QStringLiteral("collaboration") }) {
                if (f.startsWith(value, Qt::CaseInsensitive))
                    out << f;
            }
            return out;
        };
        p.get = [this](const json& args, const CallContext&, QString* error) -> json {
            const Employee* e = employeeById(qs(args, "employee_id"));
            if (!e) {
                *error = QStringLiteral("No employee with id '%1'.").arg(qs(args, "employee_id").left(40));
                return {};
            }
            const QString focus = qs(args, "focus", QStringLiteral("overall performance"));
            const QString period = qs(args, "period", QStringLiteral("the last review period"));
            const QString text = QStringLiteral("Write a performance review for %1 (%2, %3) covering %4. Focus on %5. "
                                                "Be specific, fair and kind; suggest two goals.")
                                     .arg(e->name, e->title, e->department, period, focus);
            return { { "description", QStringLiteral("Performance review for %1").arg(e->name).toStdString() },
                { "messages",
                    json::array({ { { "role", "user" },
                                      { "content", { { "type", "text" }, { "text", text.toStdString() } } } },
                        { { "role", "user" },
                            { "content",
                                { { "type", "resource" },
                                    { "resource",
                                        { { "uri", ("hr://employees/" + e->id).toStdString() },
                                            { "mimeType", "application/json" },
                                            { "text",
                                                dumpJson(employeeJson(*e, false), 2).toStdString() } } } } } } }) } };
        };
        addPrompt(std::move(p));
    }
}

} // namespace lanyard::lab
