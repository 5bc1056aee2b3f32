// SPDX-License-Identifier: MIT
#pragma once

#include "config/Config.h"
#include "util/Error.h"

namespace lanyard::auth {

class IdentityManager;

// The process-wide identity (one sign-in carried to every server). Created on first use.
IdentityManager* identity();

// Plugs the identity strategies into ClientFactory (entra, token-exchange, oauth,
// cross-app-access, and bearer from the keychain). app/cli and app/gui call this at start.
void install();

// Applies the configuration's "identity" block to the process-wide identity, and keeps the
// lifecycle journal in the profile's data directory. false with *error when the block is wrong.
bool configure(const Config& config, Error* error);

} // namespace lanyard::auth
