// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>

// The code each fuzz target runs for one input. Shared by the libFuzzer targets (tests/fuzz,
// clang) and the regression test that replays every committed crash input and seed through
// the same code in the normal build (tests/fuzz-regressions, GCC).
//
// Each function returns false when an oracle beyond "does not crash" fails (for example the
// SSE parser giving different events for the same bytes split differently); the fuzz targets
// turn that into a crash so libFuzzer keeps the input.
namespace lanyard::fuzz {

// Once per process in a fuzz target: a QCoreApplication if there is none, Qt logging silenced.
// (The regression test has its own application and keeps its logging.)
void initialize();
// The fixed key set of the jwt target verifies the sample token (so the target reaches the
// signature and claim checks, not only the parser).
bool selfCheck();

bool runSse(const std::uint8_t* data, std::size_t size);
bool runJsonRpc(const std::uint8_t* data, std::size_t size);
bool runJwt(const std::uint8_t* data, std::size_t size);
bool runJwks(const std::uint8_t* data, std::size_t size);
bool runWwwAuthenticate(const std::uint8_t* data, std::size_t size);
bool runLoopbackRequest(const std::uint8_t* data, std::size_t size);
bool runDiscovery(const std::uint8_t* data, std::size_t size);
bool runConfig(const std::uint8_t* data, std::size_t size);
// Differential: the transport's strict large-message parser against nlohmann. It may give up, but
// what it accepts nlohmann must accept too, with the same DOM (types included).
bool runLargeMessage(const std::uint8_t* data, std::size_t size);
// The HTTP/1.1 answer parser of FastNetworkAccessManager: the first byte picks HEAD or not and how
// the rest is cut into pieces; the answer fed whole and fed in pieces must give the same heads,
// body, end and bytes used.
bool runHttpResponse(const std::uint8_t* data, std::size_t size);

} // namespace lanyard::fuzz
