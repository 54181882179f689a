#include "store/copy.h"

#include <algorithm>

#include "dirctl/error.h"
#include "store/pg_schema.h"
#include "store/store.h"
#include "store/transaction.h"

namespace dirctl {
namespace {

// Parameters a statement may carry: SQLite allows 32766, PostgreSQL 65535.
constexpr std::size_t kMaxParams = 30000;
constexpr std::size_t kMaxRows = 500;

std::string insert_sql(const TableShape& t, std::size_t rows) {
  std::string cols, one = "(";
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    cols += (i == 0 ? "" : ", ") + t.columns[i];
    one += i == 0 ? "?" : ", ?";
  }
  one += ")";
  std::string sql = "INSERT INTO " + t.name + " (" + cols + ") VALUES ";
  for (std::size_t r = 0; r < rows; ++r) sql += (r == 0 ? "" : ", ") + one;
  return sql;
}

std::int64_t holds(Store& s) {
  return s.scalar("SELECT (SELECT count(*) FROM orgs) + (SELECT count(*) FROM admins) + (SELECT count(*) FROM events)");
}

}  // namespace

CopyCounts copy_directory(Store& from, Store& to, const std::function<void(const std::string&, std::int64_t)>& progress) {
  CopyCounts counts;
  Store::ReadTransaction snapshot(from);
  Transaction tx(to);
  if (holds(to) > 0)
    throw StorageError("'" + to.location() + "' already holds a directory; migrate into a new file or an empty "
                       "database. Nothing was written");
  guarded("cannot copy the directory", [&] {
    for (const TableShape& t : pg_schema().tables) {
      const std::size_t width = t.columns.size();
      const std::size_t batch = std::max<std::size_t>(1, std::min(kMaxRows, kMaxParams / width));
      std::string cols;
      for (const auto& c : t.columns) cols += (cols.empty() ? "" : ", ") + c;
      auto read = from.prepare("SELECT " + cols + " FROM " + t.name + " ORDER BY 1");
      auto& full = to.statement(insert_sql(t, batch));
      std::int64_t n = 0;
      std::size_t in_batch = 0;
      auto flush = [&](sql::Statement& st) {
        st.exec();
        n += static_cast<std::int64_t>(in_batch);
        in_batch = 0;
        if (progress) progress(t.name, n);
      };
      std::vector<std::string> pending;  // the batch's values, bound once its size is known
      std::vector<bool> pending_null;
      auto bind_pending = [&](sql::Statement& st) {
        for (std::size_t i = 0; i < pending.size(); ++i) {
          const int p = static_cast<int>(i) + 1;
          if (pending_null[i])
            st.bind(p);
          else if (t.blob[i % width])
            st.bind_blob(p, pending[i]);
          else
            st.bind_text(p, pending[i], true);
        }
      };
      while (read->executeStep()) {
        for (std::size_t c = 0; c < width; ++c) {
          const int col = static_cast<int>(c);
          pending_null.push_back(read->isColumnNull(col));
          pending.emplace_back(pending_null.back() ? std::string_view() : read->column_text(col));
        }
        if (++in_batch == batch) {
          bind_pending(full);
          flush(full);
          full.reset();
          full.clearBindings();
          pending.clear();
          pending_null.clear();
        }
      }
      if (in_batch > 0) {
        auto& last = to.statement(insert_sql(t, in_batch));
        bind_pending(last);
        flush(last);
      }
      counts.emplace_back(t.name, n);
    }
    // Keys of purged rows (runs, launches) stay given: the counters go across.
    std::unordered_map<std::string, std::int64_t> counters;
    for (const std::string& table : pg_schema().identity) counters[table] = from.key_counter(table);
    to.sync_key_counters(counters);
  });
  tx.commit();
  return counts;
}

}  // namespace dirctl
