// SPDX-License-Identifier: MIT
// libFuzzer target: see docs/fuzzing.md and FuzzEntryPoints.cpp (runHttpResponse).
#include "FuzzEntryPoints.h"

#include <cstdlib>

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    lanyard::fuzz::initialize();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (!lanyard::fuzz::runHttpResponse(data, size))
        std::abort(); // an oracle failed: keep this input
    return 0;
}
