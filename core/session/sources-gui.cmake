# SPDX-License-Identifier: MIT
# ServerSession and SessionManager (desktop app sessions); included by core/session/CMakeLists.txt.
target_sources(lanyard_session PRIVATE ServerSession.cpp ServerSession.h SessionManager.cpp SessionManager.h)
