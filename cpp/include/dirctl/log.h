// Logging switch: the engine logs through spdlog, quiet ("off") by default.
#pragma once

#include <string>

namespace dirctl {

// level: trace, debug, info, warn, error, critical, off. Throws InvalidArgument.
void set_log_level(const std::string& level);
std::string log_level();
// Applies the default (off, or $DIRCTL_LOG_LEVEL) once per process.
void init_logging_once();

}  // namespace dirctl
