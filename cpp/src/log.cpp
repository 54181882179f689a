#include "dirctl/log.h"

#include <spdlog/spdlog.h>

#include "dirctl/error.h"

namespace dirctl {
namespace {
struct QuietByDefault {
  QuietByDefault() { spdlog::set_level(spdlog::level::off); }
} const kQuiet;
}  // namespace

void set_log_level(const std::string& level) {
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
