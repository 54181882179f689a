// Bulk user import: parse and check everything, then write all at once.
#include <algorithm>
#include <chrono>
#include <deque>
#include <fstream>
#include <future>
#include <iterator>
#include <thread>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "directory/background_writer.h"
#include "directory/impl.h"
#include "directory/import_checks.h"
#include "directory/user_bulk_writer.h"
#include "io/csv_reader.h"
#include "io/user_rows.h"
#include "model/validate.h"
#include "store/index_deferral.h"
#include "util/clock.h"
#include "util/json_text.h"
#include "util/password.h"

namespace dirctl {
namespace {

using Clock = std::chrono::steady_clock;

// Calls the caller's progress at most four times a second.
class Progress {
 public:
  explicit Progress(const std::function<void(std::size_t, std::size_t)>& f) : f_(f) {}
  void tick(std::size_t done, std::size_t total, bool force = false) {
    if (!f_) return;
    if ((++calls_ & 1023) != 0 && !force) return;
    const auto now = Clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    f_(done, total);
  }

 private:
  const std::function<void(std::size_t, std::size_t)>& f_;
  Clock::time_point last_{};
  std::size_t calls_ = 0;
};

// Cells are checked on worker threads while this thread reads the file:
// chunks of records go out as tasks (a few in flight, to bound memory), and
// their rows and error records come back in file order.
void read_cells(const std::string& path, const ImportOptions& opt, Progress& progress,
                std::optional<UserRows>& layout, std::vector<ImportRow>& rows, ImportReport& rep,
                std::size_t& header_errors) {
  struct Parsed {
    std::vector<ImportRow> rows;
    std::vector<ImportIssue> errors;
  };
  constexpr std::size_t kChunk = 4096;
  const std::size_t in_flight = std::max(2u, std::thread::hardware_concurrency()) + 1;
  std::deque<std::future<Parsed>> tasks;
  auto collect = [&] {
    Parsed p = tasks.front().get();
    tasks.pop_front();
    std::move(p.rows.begin(), p.rows.end(), std::back_inserter(rows));
    std::move(p.errors.begin(), p.errors.end(), std::back_inserter(rep.error_records));
  };
  std::vector<CsvRecord> chunk;
  auto launch = [&] {
    tasks.push_back(std::async(std::launch::async, [&layout, records = std::move(chunk)]() {
      Parsed p;
      p.rows.reserve(records.size());
      for (const CsvRecord& r : records) p.rows.push_back(layout->parse(r, p.errors));
      return p;
    }));
    chunk = {};
    chunk.reserve(kChunk);
    while (tasks.size() >= in_flight) collect();
  };
  std::size_t read = 0;
  try {
    read_csv_file(path, [&](CsvRecord& rec) {
      if (!layout) {
        layout.emplace(rec, opt.strict, rep.warnings, rep.error_records);
        header_errors = rep.error_records.size();
        return;
      }
      chunk.push_back(std::move(rec));
      if (chunk.size() == kChunk) launch();
      progress.tick(++read, 0);
    });
  } catch (...) {
    for (auto& t : tasks) t.wait();  // they read `layout`; let them finish first
    throw;
  }
  if (!chunk.empty()) launch();
  while (!tasks.empty()) collect();
}

// This process's resident memory, for the debug log ("" where unknown).
std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ";") + n;
  return out;
}

}  // namespace

const std::vector<std::string>& row_status_names() {
  static const std::vector<std::string> kNames = {"created", "updated", "unchanged", "skipped", "error", "not_imported"};
  return kNames;
}

void ImportRows::add(ImportRowResult&& r) {
  line.push_back(r.line);
  status.push_back(static_cast<std::uint8_t>(r.status));
  user.push_back(r.user);
  username.push_back(std::move(r.username));
  groups_added.push_back(std::move(r.groups_added));
  device_bound.push_back(std::move(r.device_bound));
}

void ImportRows::reserve(std::size_t n) {
  line.reserve(n);
  status.reserve(n);
  user.reserve(n);
  username.reserve(n);
  groups_added.reserve(n);
  device_bound.reserve(n);
}

ImportRowResult ImportRows::at(std::size_t i) const {
  return {line.at(i), username[i], static_cast<RowStatus>(status[i]), user[i], groups_added[i], device_bound[i]};
}

ImportReport Directory::import_users_csv(const Actor& actor, Id org, const std::string& path,
                                         const ImportOptions& opt) {
  Impl& d = live(impl_);
  return audited(d, [&]() -> ImportReport {
    const auto started = Clock::now();
    d.entity(org, Kind::kOrg);
    d.authorize(actor, Scope::kBulkUserImports, opt.dry_run ? Verb::kRead : Verb::kEdit, org, "user_import");
    const KindSpec& user = spec(Kind::kUser);
    ImportReport rep;
    rep.dry_run = opt.dry_run;
    Progress progress(opt.progress);
    if (opt.dry_run && actor.type != ActorType::kSystem) {  // may look, but may it import?
      const Decision real = d.engine.check(actor, action_for(Scope::kBulkUserImports, Verb::kEdit), org, true);
      if (!real.allowed)
        rep.warnings.push_back({0, "", "", "this is what the file would do; an import by this actor would be refused: " +
                                               real.reason});
    }

    // 1. Read and check every cell (no lock held), on every core.
    std::optional<UserRows> layout;
    std::vector<ImportRow> rows;
    std::size_t header_errors = 0;  // repeated columns, unknown ones when strict
    try {
      read_cells(path, opt, progress, layout, rows, rep, header_errors);
    } catch (const CsvSyntaxError& e) {
      rep.error_records.push_back({e.line(), "", "", e.detail()});
      rep.errors = 1;
      rep.duration = std::chrono::duration<double>(Clock::now() - started).count();
      return rep;  // a broken file: nothing is read as rows, nothing written
    }
    if (!layout)
      throw InvalidArgument("'" + path + "' is empty; its first line must be the header (FirstName, LastName, Username, Email, ...)");
    const bool header_broken = header_errors > 0;
    auto phase = [&, last = started](const char* name) mutable {
      const auto now = Clock::now();
      spdlog::debug("dirctl: import {}: {:.3f} s (resident {} MB)", name,
                    std::chrono::duration<double>(now - last).count(), resident_bytes() >> 20);
      last = now;
    };
    phase("read and check cells");

    // 2. Passwords: Argon2id on all cores, before taking the write lock.
    const bool any_password =
        std::any_of(rows.begin(), rows.end(), [](const ImportRow& r) { return !r.bad && !r.password.empty(); });
    if (!opt.dry_run && any_password) {
      std::vector<std::string> secrets;
      secrets.reserve(rows.size());
      for (const auto& r : rows) secrets.push_back(r.bad ? std::string() : r.password);
      hash_passwords(secrets);
      for (std::size_t i = 0; i < rows.size(); ++i) rows[i].password = std::move(secrets[i]);
    }

    phase("hash passwords");
    // 3. Under the write lock: the rules that need the file and the directory.
    WriteScope w(d);
    GroupsByName groups_by_name;
    std::vector<ImportPlan> plans =
        check_import_rows(d, actor, org, opt, *layout, rows, rep.error_records, groups_by_name,
                          [&](std::size_t i) { progress.tick(i, rows.size()); });
    phase("check rows against the file and the directory");
    // Cell errors and file/directory errors, in the order of the file.
    std::stable_sort(rep.error_records.begin(), rep.error_records.end(),
                     [](const ImportIssue& a, const ImportIssue& b) { return a.line < b.line; });
    // 5. What each row does (or would do).
    std::size_t bad_rows = 0;
    for (const auto& r : rows) bad_rows += r.bad ? 1 : 0;
    rep.errors = bad_rows + (header_broken ? 1 : 0);
    const bool write = !opt.dry_run && !header_broken && (bad_rows == 0 || opt.skip_errors);
    const std::string now = utc_now_iso();
    // Groups the file names that do not exist yet: created, in the order
    // rows first name them, when a row that is written needs them (a bad
    // row creates nothing), before any user.
    auto create_group = [&](const std::string& name) {
      const KindSpec& gk = spec(Kind::kUserGroup);
      const Id gid = d.model.allocate_id();
      Fields gf = validate_create(gk, {{"name", name}});
      d.records.insert(gk, gid, org, gf, now);
      Event e = d.event(actor, "group_create", org, kNoId);
      e.resource = {gk.name, gid, name};
      e.message = "created by a user import";
      d.append(e);
      w.touching_memory();
      d.model.put(gid, entity_of(gk, org, gf));
      return gid;
    };
    if (write) {
      std::unordered_map<std::string_view, Id> by_spelling;  // files repeat a few spellings
      for (std::size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].bad) continue;
        for (std::size_t k = 0; k < plans[i].groups.size(); ++k) {
          if (plans[i].groups[k] != kNoId) continue;
          Id& known = by_spelling[rows[i].groups[k]];
          if (known == kNoId) {
            Id& made = groups_by_name[lower_ascii(rows[i].groups[k])];
            if (made == kNoId) made = create_group(rows[i].groups[k]);
            known = made;
          }
          plans[i].groups[k] = known;
        }
      }
    }
    // A load large next to the directory sets the secondary indexes of the
    // tables it fills aside and builds them once at the end (same transaction).
    std::vector<std::unique_ptr<IndexDeferral>> deferred;
    if (write) {
      std::size_t creating = 0, linking = 0;
      for (std::size_t i = 0; i < rows.size(); ++i)
        if (!rows[i].bad) {
          creating += plans[i].existing ? 0 : 1;
          linking += plans[i].groups.size();
        }
      auto defer = [&](const char* table, std::size_t adding, std::size_t existing) {
        if (IndexDeferral::worth_it(adding, existing)) deferred.push_back(std::make_unique<IndexDeferral>(d.store, table));
      };
      // Users' keys and memberships' reverse index land at random places;
      // events' indexes (type, time, resource) grow at their ends and stay.
      defer("users", creating, d.model.live_objects());
      defer("edges", linking, d.model.edge_count());
    }
    // Memberships are written after the users, in key order: each lands
    // next to the previous one in the edges b-tree.
    std::vector<std::pair<Id, Id>> memberships;
    struct Binding {
      Id user, device;
      bool sudo;
    };
    std::vector<Binding> bindings;  // written with the memberships
    // New users go to a writing thread; the loop touches the store itself
    // only after background->drain().
    std::optional<UserBulkWriter> creator;
    std::optional<BackgroundWriter> background;
    if (write) {
      creator.emplace(d.store, org, d.event(actor, "user_create", org, kNoId), now);
      background.emplace(*creator);
    }
    rep.rows.reserve(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      ImportRow& row = rows[i];
      ImportPlan& plan = plans[i];
      ImportRowResult res;
      res.line = row.line;
      res.username = cut80(row.username());
      if (row.bad) {  // a dry run shows the error; a real import with skip skips the row
        const bool skipped = opt.skip_errors && !opt.dry_run;
        res.status = skipped ? RowStatus::kSkipped : RowStatus::kError;
        if (skipped) ++rep.skipped;
        rep.rows.add(std::move(res));
        continue;
      }
      Fields& given = row.fields;  // the row is done with after this
      if (!row.password.empty()) given.emplace_back("password", std::move(row.password));
      std::vector<std::string> added;
      for (std::size_t k = 0; k < plan.groups.size(); ++k)
        if (plan.groups[k] == kNoId || !plan.existing || !d.model.linked(plan.groups[k], *plan.existing))
          added.push_back(row.groups[k]);
      res.groups_added = joined(added);
      if (plan.device != kNoId) res.device_bound = std::string(d.model.find(plan.device)->name);
      if (!write && !opt.dry_run) {  // another row failed: this one is not imported either
        res.status = RowStatus::kNotImported;
        rep.rows.add(std::move(res));
        continue;
      }
      Id uid;
      if (!plan.existing) {
        res.status = RowStatus::kCreated;
        if (!write) {
          rep.rows.add(std::move(res));
          ++rep.created;
          continue;
        }
        uid = d.model.allocate_id();
        UserBulkWriter::Pending pending;
        Entity entity = creator->prepare(uid, std::move(given), res.groups_added, pending);
        background->add(std::move(pending));
        w.touching_memory();
        d.model.put(uid, std::move(entity));
        ++rep.created;
      } else {
        uid = *plan.existing;
        if (background) background->drain();  // the store is this thread's again
        Record old = d.full_record(uid);
        Fields changed;
        std::vector<FieldChange> changes;
        for (const auto& [name, value] : given) {
          if (name == "username") continue;  // the key, never changed
          const Value* before = old.find(name);
          if (name != "password" && before != nullptr && *before == value) continue;
          changed.emplace_back(name, value);
          changes.push_back({name, before ? change_text(user, name, *before) : "null", change_text(user, name, value)});
        }
        const bool binds = plan.device != kNoId && !d.model.linked(uid, plan.device);
        if (changed.empty() && added.empty() && !binds) {
          res.status = RowStatus::kUnchanged;
          res.user = uid;
          ++rep.unchanged;
          rep.rows.add(std::move(res));
          continue;
        }
        res.status = RowStatus::kUpdated;
        ++rep.updated;
        if (!write) {
          res.user = uid;
          rep.rows.add(std::move(res));
          continue;
        }
        if (!changed.empty()) d.records.update(user, uid, changed, now);
        for (auto& [name, value] : changed)
          for (auto& [k, v] : old.fields)
            if (k == name) v = value;
        Event e = d.event(actor, "user_update", org, uid);
        e.changes = std::move(changes);
        if (!added.empty()) e.changes.push_back({"groups", "null", to_json_text(Value{res.groups_added})});
        d.append(e);
        w.touching_memory();
        d.model.put(uid, entity_of(user, old));
      }
      res.user = uid;
      for (Id g : plan.groups)
        if (!d.model.linked(g, uid)) {
          memberships.emplace_back(std::min(g, uid), std::max(g, uid));
          d.model.link(g, uid);
        }
      if (plan.device != kNoId) {
        bindings.push_back({uid, plan.device, row.device->administrator});
        d.model.link(uid, plan.device);
      }
      rep.rows.add(std::move(res));
      row = ImportRow{};  // its memory goes back while SQLite's cache grows
      progress.tick(i, rows.size());
    }
    if (background) {
      background->drain();
      d.last_seq = std::max(d.last_seq, background->last_seq());
      background.reset();
    }
    std::sort(memberships.begin(), memberships.end());
    for (auto [a, b] : memberships) d.records.add_edge(a, b);
    for (const auto& b : bindings) d.records.add_edge(b.user, b.device, b.sudo);
    phase("write rows");
    for (auto& deferral : deferred) deferral->rebuild();
    if (!deferred.empty()) phase("build indexes");
    if (write) {
      Event summary = d.event(actor, "user_import", org, org);
      summary.message = "imported '" + path + "': " + std::to_string(rep.created) + " created, " +
                        std::to_string(rep.updated) + " updated, " + std::to_string(rep.unchanged) + " unchanged, " +
                        std::to_string(rep.skipped) + " skipped, " + std::to_string(rep.errors) + " with errors";
      d.append(summary);
      w.commit();
      rep.written = true;
      phase("commit");
    }
    progress.tick(rows.size(), rows.size(), true);
    rep.duration = std::chrono::duration<double>(Clock::now() - started).count();
    return rep;
  });
}

}  // namespace dirctl
