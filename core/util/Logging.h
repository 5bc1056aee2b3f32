// SPDX-License-Identifier: MIT
#pragma once

#include <QLoggingCategory>

// Switch at run time with QT_LOGGING_RULES, e.g. "lanyard.*.debug=true".
Q_DECLARE_LOGGING_CATEGORY(lcProtocol)
Q_DECLARE_LOGGING_CATEGORY(lcTransport)
Q_DECLARE_LOGGING_CATEGORY(lcAuth)
Q_DECLARE_LOGGING_CATEGORY(lcConfig)
Q_DECLARE_LOGGING_CATEGORY(lcLab)
