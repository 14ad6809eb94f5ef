// FreeLoopbackPort asks the kernel for a TCP port that is free on
// 127.0.0.1 right now (bind to port 0, read it back, close). Something else
// may take it before the caller binds, so use it only to tell a child
// process where to listen (servers of our own bind port 0 directly).
//
// Thread safety: stateless.

#pragma once

#include <cstdint>

#include "obs/base/status.h"

namespace obs {

// kUnavailable when no socket can be opened or bound.
Result<std::uint16_t> FreeLoopbackPort();

}  // namespace obs
