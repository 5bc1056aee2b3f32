// SPDX-License-Identifier: MIT
#include "util/Clock.h"

namespace lanyard {

Clock* Clock::system()
{
    static Clock clock;
    return &clock;
}

} // namespace lanyard
