// SPDX-License-Identifier: MIT
#include "util/Logging.h"

Q_LOGGING_CATEGORY(lcProtocol, "lanyard.protocol", QtWarningMsg)
Q_LOGGING_CATEGORY(lcTransport, "lanyard.transport", QtWarningMsg)
Q_LOGGING_CATEGORY(lcAuth, "lanyard.auth", QtWarningMsg)
Q_LOGGING_CATEGORY(lcConfig, "lanyard.config", QtWarningMsg)
Q_LOGGING_CATEGORY(lcLab, "lanyard.lab", QtInfoMsg)
