// Bulk user import: parse and check everything, then write all at once.
#include <chrono>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "directory/impl.h"
#include "io/csv_reader.h"
#include "io/user_rows.h"
#include "model/validate.h"
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

Value field_value(const Fields& fields, const std::string& name) {
  for (const auto& [k, v] : fields)
    if (k == name) return v;
  return {};
}

struct Plan {
  std::optional<Id> existing;  // the user an update/upsert row changes
  std::vector<Id> groups;      // resolved (kNoId: to be created, see new_groups)
  std::vector<std::string> group_names;
  Id device = kNoId;
};

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ";") + n;
  return out;
}

}  // namespace

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

    // 1. Read and check every cell (no lock held).
    std::optional<UserRows> layout;
    std::vector<ImportRow> rows;
    std::size_t header_errors = 0;  // repeated columns, unknown ones when strict
    try {
      read_csv_file(path, [&](CsvRecord& rec) {
        if (!layout) {
          layout.emplace(rec, opt.strict, rep.warnings, rep.error_records);
          header_errors = rep.error_records.size();
          return;
        }
        rows.push_back(layout->parse(rec, rep.error_records));
        progress.tick(rows.size(), 0);
      });
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
      spdlog::debug("dirctl: import {}: {:.3f} s", name, std::chrono::duration<double>(now - last).count());
      last = now;
    };
    phase("read and check cells");
    auto fail = [&](ImportRow& row, const std::string& column, const std::string& value, std::string message) {
      rep.error_records.push_back({row.line, column, cut80(value), std::move(message)});
      row.bad = true;
    };

    // 2. Passwords: Argon2id on all cores, before taking the write lock.
    if (!opt.dry_run) {
      std::vector<std::string> secrets;
      for (const auto& r : rows) secrets.push_back(r.bad ? std::string() : r.password);
      hash_passwords(secrets);
      for (std::size_t i = 0; i < rows.size(); ++i) rows[i].password = std::move(secrets[i]);
    }

    phase("hash passwords");
    // 3. Under the write lock: the directory as it is now.
    WriteScope w(d);
    std::unordered_map<std::string, Id> by_username, by_email, by_employee;
    d.records.scan_user_keys(org, [&](Id id, std::string_view u, std::string_view e, std::string_view emp) {
      by_username.emplace(lower_ascii(u), id);
      by_email.emplace(lower_ascii(e), id);
      if (!emp.empty()) by_employee.emplace(std::string(emp), id);
    });
    std::unordered_map<std::string, Id> groups_by_name;
    for (Id g : d.model.ids_of(Kind::kUserGroup, org)) groups_by_name.emplace(lower_ascii(d.model.find(g)->name), g);
    std::unordered_map<std::string, Id> devices_by_host;  // kNoId: ambiguous
    for (Id dev : d.model.ids_of(Kind::kDevice, org)) {
      auto [it, added] = devices_by_host.emplace(std::string(d.model.find(dev)->name), dev);
      if (!added) it->second = kNoId;
    }

    // 4. Rules that need the whole file and the directory.
    std::unordered_map<std::string, std::size_t> seen_username, seen_email, seen_employee;
    std::vector<Plan> plans(rows.size());
    static const ActionId kOther = action_id("users.other_user_operations");
    for (std::size_t i = 0; i < rows.size(); ++i) {
      ImportRow& row = rows[i];
      Plan& plan = plans[i];
      const std::string uname = lower_ascii(row.username), email = lower_ascii(row.email);
      const Value emp_v = field_value(row.fields, "employee_identifier");
      const std::string emp = std::holds_alternative<std::string>(emp_v) ? std::get<std::string>(emp_v) : "";
      // Duplicates within the file (the first occurrence wins; later ones are errors).
      for (auto [key, shown, seen, column, what] :
           {std::tuple{uname, row.username, &seen_username, layout->column_of("username"), "username"},
            std::tuple{email, row.email, &seen_email, layout->column_of("email"), "email"},
            std::tuple{emp, emp, &seen_employee, layout->column_of("employee_identifier"), "employee identifier"}}) {
        if (key.empty()) continue;
        auto [it, added] = seen->emplace(key, row.line);
        if (!added)
          fail(row, column, shown, std::string("duplicate ") + what + " in the file: also on line " + std::to_string(it->second));
      }
      // Which user the row is about.
      if (!uname.empty()) {
        if (auto it = by_username.find(uname); it != by_username.end()) plan.existing = it->second;
      } else if (opt.mode != ImportMode::kCreate && !email.empty()) {
        if (auto it = by_email.find(email); it != by_email.end()) plan.existing = it->second;
      }
      const bool creating = !plan.existing.has_value();
      if (opt.mode == ImportMode::kCreate && plan.existing)
        fail(row, layout->column_of("username"), row.username,
             "user '" + row.username + "' already exists; import with mode update or upsert to change it");
      if (opt.mode == ImportMode::kUpdate && !plan.existing) {
        fail(row, uname.empty() ? layout->column_of("email") : layout->column_of("username"),
             uname.empty() ? row.email : row.username,
             uname.empty() && email.empty() ? "a row needs a Username (or an Email) to find the user to update"
                                            : "no such user in this org; import with mode create or upsert to add it");
        continue;
      }
      if (creating)
        for (const char* required : {"first_name", "last_name", "username", "email"})
          if (is_null(field_value(row.fields, required)) && !row.bad)
            fail(row, layout->column_of(required), "", std::string("is required for a new user (") + required + ")");
      // Values already held by another user of the org.
      const Id self = plan.existing.value_or(kNoId);
      if (auto it = by_email.find(email); !email.empty() && it != by_email.end() && it->second != self)
        fail(row, layout->column_of("email"), row.email, "is already the email of user '" +
                                                             std::string(d.model.find(it->second)->name) + "'");
      if (auto it = by_employee.find(emp); !emp.empty() && it != by_employee.end() && it->second != self)
        fail(row, layout->column_of("employee_identifier"), emp,
             "is already the employee identifier of user '" + std::string(d.model.find(it->second)->name) + "'");
      // A user holding an admin role keeps the admin's email (they must match).
      if (plan.existing && d.entity(*plan.existing).link != kNoId && !email.empty() &&
          lower_ascii(d.full_record(*plan.existing).text("email")) != email)
        fail(row, layout->column_of("email"), row.email,
             "user '" + row.username + "' holds an admin role, whose email must match; change the email alone, "
             "with the admin role removed first");
      // Groups (membership is the groups scope, as in add_member) and the device.
      if (!row.groups.empty() && actor.type != ActorType::kSystem) {
        Decision dec = d.engine.check(actor, action_for(Scope::kGroups, Verb::kEdit), org, true);
        if (!dec.allowed) fail(row, row.group_columns.front(), row.groups.front(), dec.reason);
      }
      for (std::size_t k = 0; k < row.groups.size(); ++k) {
        const std::string& g = row.groups[k];
        auto it = groups_by_name.find(lower_ascii(g));
        if (it != groups_by_name.end()) {
          plan.groups.push_back(it->second);
        } else if (opt.create_groups) {
          try {
            validate_create(spec(Kind::kUserGroup), {{"name", g}});
            groups_by_name.emplace(lower_ascii(g), kNoId);
            plan.groups.push_back(kNoId);
          } catch (const InvalidArgument& e) {
            fail(row, row.group_columns[k], g, std::string("cannot be a new group's name: ") + e.what());
          }
        } else {
          fail(row, row.group_columns[k], g,
               "no user group '" + g + "' in this org; create it first or import with create_groups=True");
        }
        plan.group_names.push_back(g);
      }
      if (!row.system_id.empty()) {
        Id dev = kNoId;
        try {
          dev = static_cast<Id>(std::stoul(row.system_id));
        } catch (...) {
        }
        const Entity* e = d.model.find(dev);
        if (e == nullptr || e->kind != Kind::kDevice || e->org != org)
          fail(row, row.device_column, row.system_id, "no device with this id in this org");
        else
          plan.device = dev;
      } else if (!row.hostname.empty()) {
        auto it = devices_by_host.find(row.hostname);
        if (it == devices_by_host.end())
          fail(row, row.device_column, row.hostname, "no device with this hostname in this org");
        else if (it->second == kNoId)
          fail(row, row.device_column, row.hostname, "several devices have this hostname; give SystemID instead");
        else
          plan.device = it->second;
      }
      // Through a view, changing a user who holds an admin role is protected.
      if (plan.existing && actor.type != ActorType::kSystem) {
        Decision dec = d.engine.check(actor, kOther, *plan.existing, true);
        if (!dec.allowed) fail(row, "", row.username, dec.reason);
      }
      progress.tick(i, rows.size());
    }

    phase("check rows against the file and the directory");
    // 5. What each row does (or would do).
    std::size_t bad_rows = 0;
    for (const auto& r : rows) bad_rows += r.bad ? 1 : 0;
    rep.errors = bad_rows + (header_broken ? 1 : 0);
    const bool write = !opt.dry_run && !header_broken && (bad_rows == 0 || opt.skip_errors);
    const std::string now = utc_now_iso();
    // Groups the file names that do not exist yet: created when the first
    // row that is written needs them (a bad row creates nothing).
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
    for (std::size_t i = 0; i < rows.size(); ++i) {
      ImportRow& row = rows[i];
      Plan& plan = plans[i];
      ImportRowResult res;
      res.line = row.line;
      res.username = cut80(row.username);
      if (row.bad) {  // a dry run shows the error; a real import with skip skips the row
        const bool skipped = opt.skip_errors && !opt.dry_run;
        res.status = skipped ? "skipped" : "error";
        if (skipped) ++rep.skipped;
        rep.rows.push_back(std::move(res));
        continue;
      }
      if (write)
        for (std::size_t k = 0; k < plan.groups.size(); ++k)
          if (plan.groups[k] == kNoId) {
            Id& made = groups_by_name[lower_ascii(plan.group_names[k])];
            if (made == kNoId) made = create_group(plan.group_names[k]);
            plan.groups[k] = made;
          }
      Fields given = row.fields;
      if (!row.password.empty()) given.emplace_back("password", row.password);
      std::vector<std::string> added;
      for (std::size_t k = 0; k < plan.groups.size(); ++k)
        if (plan.groups[k] == kNoId || !plan.existing || !d.model.linked(plan.groups[k], *plan.existing))
          added.push_back(plan.group_names[k]);
      res.groups_added = joined(added);
      if (plan.device != kNoId) res.device_bound = std::string(d.model.find(plan.device)->name);
      if (!write && !opt.dry_run) {  // another row failed: this one is not imported either
        res.status = "not_imported";
        rep.rows.push_back(std::move(res));
        continue;
      }
      Id uid;
      if (!plan.existing) {
        res.status = "created";
        if (!write) {
          rep.rows.push_back(std::move(res));
          ++rep.created;
          continue;
        }
        Fields checked = validate_create(user, given);
        uid = d.model.allocate_id();
        d.records.insert(user, uid, org, checked, now);
        Event e = d.event(actor, "user_create", org, kNoId);
        e.resource = {user.name, uid, row.username};
        e.changes = creation_changes(user, checked);
        if (!added.empty()) e.changes.push_back({"groups", "null", to_json_text(Value{res.groups_added})});
        d.append(e);
        w.touching_memory();
        d.model.put(uid, entity_of(user, org, checked));
        ++rep.created;
      } else {
        uid = *plan.existing;
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
          res.status = "unchanged";
          res.user = uid;
          ++rep.unchanged;
          rep.rows.push_back(std::move(res));
          continue;
        }
        res.status = "updated";
        ++rep.updated;
        if (!write) {
          res.user = uid;
          rep.rows.push_back(std::move(res));
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
          d.records.add_edge(g, uid);
          d.model.link(g, uid);
        }
      if (plan.device != kNoId) {
        d.records.add_edge(uid, plan.device, row.administrator);
        d.model.link(uid, plan.device);
      }
      rep.rows.push_back(std::move(res));
      progress.tick(i, rows.size());
    }
    phase("write rows");
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
