#include "store/index_deferral.h"

#include <chrono>

#include <SQLiteCpp/Database.h>
#include <spdlog/spdlog.h>
#include <SQLiteCpp/Statement.h>

#include "store/store.h"

namespace dirctl {

IndexDeferral::IndexDeferral(Store& store, const std::string& table) : store_(store) {
  // Named indexes only: those behind PRIMARY KEY / UNIQUE clauses have no sql.
  auto& st = store_.statement("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                              "AND sql IS NOT NULL ORDER BY name");
  try {
    st.bind(1, table);
    while (st.executeStep()) {
      names_.push_back(st.getColumn(0).getString());
      definitions_.push_back(st.getColumn(1).getString());
    }
    st.reset();
  } catch (const SQLite::Exception& e) {
    throw_storage(e, "cannot list the indexes of " + table);
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
