#include "dirctl/log.h"

#include <cstdlib>

#include <spdlog/spdlog.h>

#include "dirctl/error.h"

namespace dirctl {
void init_logging_once() {
  static const bool kDone = [] {
    // Quiet unless the caller asked otherwise (DIRCTL_LOG_LEVEL or set_log_level).
    const char* env = std::getenv("DIRCTL_LOG_LEVEL");
    spdlog::set_level(env ? spdlog::level::from_str(env) : spdlog::level::off);
    return true;
  }();
  (void)kDone;
}

void set_log_level(const std::string& level) {
  init_logging_once();
  auto parsed = spdlog::level::from_str(level);
  if (parsed == spdlog::level::off && level != "off")
    throw InvalidArgument("unknown log level '" + level + "'; use trace, debug, info, warn, error, critical or off");
  spdlog::set_level(parsed);
}

std::string log_level() {
  auto sv = spdlog::level::to_string_view(spdlog::get_level());
  return std::string(sv.data(), sv.size());
}

}  // namespace dirctl
