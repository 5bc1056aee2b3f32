// SPDX-License-Identifier: MIT
#pragma once

#include "util/Json.h"

namespace lanyard::elicitation {

// Content for an "accept" answer: the given answers plus the requested schema's defaults for
// every property not answered (SEP-1034).
json withDefaults(const json& requestedSchema, const json& answers = json::object());

// Problems with an answer against a form-mode requestedSchema (flat object of primitives):
// missing required fields, wrong types, enum values. Empty when the answer is acceptable.
QStringList check(const json& requestedSchema, const json& content);

} // namespace lanyard::elicitation
