#include "store/index_deferral.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "store/store.h"

namespace dirctl {

IndexDeferral::IndexDeferral(Store& store, const std::string& table) : store_(store) {
  for (auto& [name, definition] : store_.indexes_of(table)) {
    names_.push_back(std::move(name));
    definitions_.push_back(std::move(definition));
  }
  for (const auto& name : names_) store_.exec("DROP INDEX \"" + name + "\"");
  dropped_ = !names_.empty();
}

void IndexDeferral::rebuild() {
  if (!dropped_) return;
  for (std::size_t i = 0; i < definitions_.size(); ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    store_.exec(definitions_[i]);
    spdlog::debug("dirctl: built index {} in {:.3f} s", names_[i],
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  dropped_ = false;
}

}  // namespace dirctl
