// SPDX-License-Identifier: MIT
#pragma once

#include "session/SessionManager.h"

#include <QDialog>

class QListWidget;

namespace lanyard {

// Shows the servers found in another client's file (VS Code, Claude Desktop, Cursor) with what was
// changed or skipped; the user picks which to add.
class ImportDialog : public QDialog
{
    Q_OBJECT
public:
    ImportDialog(const ServerImport& found, const QString& fileName, QWidget* parent = nullptr);
    QList<ServerConfig> selectedServers() const;

private:
    ServerImport m_found;
    QListWidget* m_list;
};

} // namespace lanyard
