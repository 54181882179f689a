// dirctl/migrate.h: opens both stores and copies (store/copy.h).
#include "dirctl/migrate.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "dirctl/error.h"
#include "identity/secret_box.h"
#include "store/copy.h"
#include "store/store.h"

namespace dirctl {

std::vector<std::pair<std::string, std::int64_t>> migrate_directory(
    const std::string& from, const std::string& to, int busy_timeout_ms,
    const std::function<void(const std::string&, std::int64_t)>& progress) {
  if (from == to) throw InvalidArgument("migrate: --from and --to are the same directory; give a new target");
  if (from == ":memory:" || to == ":memory:")
    throw InvalidArgument("migrate: a private in-memory directory cannot be copied to or from; give a file or a URL");
  if (!is_server_url(from) && !std::filesystem::exists(from))
    throw InvalidArgument("migrate: no directory file at '" + from + "'; give the path of an existing .db file");
  Store source(from, busy_timeout_ms);
  Store target(to, busy_timeout_ms);
  auto counts = copy_directory(source, target, progress);
  // Sealed secrets (TOTP) went across as they were: their key goes too.
  if (SecretBox::carry_key(source.identity(), target.identity()))
    spdlog::info("dirctl: copied the secret key to {}", SecretBox::key_path(target.identity()));
  std::int64_t rows = 0;
  for (const auto& [table, n] : counts) rows += n;
  spdlog::info("dirctl: copied {} rows in {} tables from '{}' to '{}'", rows, counts.size(), source.location(),
               target.location());
  return counts;
}

}  // namespace dirctl
