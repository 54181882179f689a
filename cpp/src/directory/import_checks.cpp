#include "directory/import_checks.h"

#include <algorithm>
#include <deque>
#include <string_view>

#include "dirctl/error.h"
#include "model/validate.h"

namespace dirctl {
namespace {

const std::string& text_field(const Fields& fields, const char* name) {
  static const std::string kEmpty;
  for (const auto& [k, v] : fields)
    if (k == name) {
      const auto* s = std::get_if<std::string>(&v);
      return s == nullptr ? kEmpty : *s;
    }
  return kEmpty;
}

bool has_field(const Fields& fields, const char* name) {
  for (const auto& [k, v] : fields)
    if (k == name) return !is_null(v);
  return false;
}

// Keys compared case-insensitively, without a copy per row: the text itself
// when it has no upper-case letter (the common case), else a lower-cased
// copy kept in `copies`. Views stay valid while the rows are not changed.
std::string_view folded(const std::string& text, std::deque<std::string>& copies) {
  if (std::none_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) return text;
  return copies.emplace_back(lower_ascii(text));
}

// What a group cell resolves to: the group, a group to create, or an error.
struct GroupCell {
  Id id = kNoId;
  std::string error;  // non-empty: the cell is refused with this message
};

}  // namespace

std::vector<ImportPlan> check_import_rows(Directory::Impl& d, const Actor& actor, Id org, const ImportOptions& opt,
                                          const UserRows& layout, std::vector<ImportRow>& rows,
                                          std::vector<ImportIssue>& errors, GroupsByName& groups_by_name,
                                          const std::function<void(std::size_t)>& tick) {
  auto fail = [&](ImportRow& row, const std::string& column, const std::string& value, std::string message) {
    errors.push_back({row.line, column, cut80(value), std::move(message)});
    row.bad = true;
  };
  // The directory as it is now.
  std::deque<std::string> keys;  // the texts the maps' views point into
  std::unordered_map<std::string_view, Id> by_username, by_email, by_employee;
  d.records.scan_user_keys(org, [&](Id id, std::string_view u, std::string_view e, std::string_view emp) {
    by_username.emplace(keys.emplace_back(lower_ascii(u)), id);
    by_email.emplace(keys.emplace_back(lower_ascii(e)), id);
    if (!emp.empty()) by_employee.emplace(keys.emplace_back(emp), id);
  });
  for (Id g : d.model.ids_of(Kind::kUserGroup, org)) groups_by_name.emplace(lower_ascii(d.model.find(g)->name), g);
  std::unordered_map<std::string, Id> devices_by_host;  // kNoId: ambiguous
  for (Id dev : d.model.ids_of(Kind::kDevice, org)) {
    auto [it, added] = devices_by_host.emplace(std::string(d.model.find(dev)->name), dev);
    if (!added) it->second = kNoId;
  }
  const std::string col_username = layout.column_of("username"), col_email = layout.column_of("email"),
                    col_employee = layout.column_of("employee_identifier");
  static const ActionId kOther = action_id("users.other_user_operations");
  const std::optional<Decision> group_edit =
      actor.type == ActorType::kSystem
          ? std::nullopt
          : std::optional<Decision>(d.engine.check(actor, action_for(Scope::kGroups, Verb::kEdit), org, true));

  // Files repeat a few group spellings many times: each is resolved once.
  std::unordered_map<std::string, GroupCell> group_cells;
  auto resolve_group = [&](const std::string& g) -> const GroupCell& {
    auto [it, added] = group_cells.try_emplace(g);
    if (!added) return it->second;
    GroupCell& cell = it->second;
    const std::string key = lower_ascii(g);
    if (auto known = groups_by_name.find(key); known != groups_by_name.end()) {
      cell.id = known->second;
    } else if (opt.create_groups) {
      try {
        validate_create(spec(Kind::kUserGroup), {{"name", g}});
        groups_by_name.emplace(key, kNoId);
      } catch (const InvalidArgument& e) {
        cell.error = std::string("cannot be a new group's name: ") + e.what();
      }
    } else {
      cell.error = "no user group '" + g + "' in this org; create it first or import with create_groups=True";
    }
    return cell;
  };

  // Keys seen in the file so far -> their line.
  std::unordered_map<std::string_view, std::size_t> seen_username, seen_email, seen_employee;
  std::deque<std::string> folded_copies;
  seen_username.reserve(rows.size());
  seen_email.reserve(rows.size());
  std::vector<ImportPlan> plans(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ImportRow& row = rows[i];
    ImportPlan& plan = plans[i];
    const std::string& username = row.username();
    const std::string& email_given = row.email();
    const std::string_view uname = folded(username, folded_copies), email = folded(email_given, folded_copies);
    const std::string& emp = text_field(row.fields, "employee_identifier");
    // Duplicates within the file (the first occurrence wins; later ones are errors).
    auto duplicate = [&](std::unordered_map<std::string_view, std::size_t>& seen, std::string_view key,
                         const std::string& column, const std::string& shown, const char* what) {
      if (key.empty()) return;
      auto [it, added] = seen.emplace(key, row.line);
      if (!added)
        fail(row, column, shown, std::string("duplicate ") + what + " in the file: also on line " + std::to_string(it->second));
    };
    duplicate(seen_username, uname, col_username, username, "username");
    duplicate(seen_email, email, col_email, email_given, "email");
    duplicate(seen_employee, emp, col_employee, emp, "employee identifier");
    // Which user the row is about.
    if (!uname.empty()) {
      if (auto it = by_username.find(uname); it != by_username.end()) plan.existing = it->second;
    } else if (opt.mode != ImportMode::kCreate && !email.empty()) {
      if (auto it = by_email.find(email); it != by_email.end()) plan.existing = it->second;
    }
    const bool creating = !plan.existing.has_value();
    if (opt.mode == ImportMode::kCreate && plan.existing)
      fail(row, col_username, username,
           "user '" + username + "' already exists; import with mode update or upsert to change it");
    if (opt.mode == ImportMode::kUpdate && !plan.existing) {
      fail(row, uname.empty() ? col_email : col_username, uname.empty() ? email_given : username,
           uname.empty() && email.empty() ? "a row needs a Username (or an Email) to find the user to update"
                                          : "no such user in this org; import with mode create or upsert to add it");
      continue;
    }
    if (creating)
      for (const char* required : {"first_name", "last_name", "username", "email"})
        if (!row.bad && !has_field(row.fields, required))
          fail(row, layout.column_of(required), "", std::string("is required for a new user (") + required + ")");
    // Values already held by another user of the org.
    const Id self = plan.existing.value_or(kNoId);
    if (auto it = by_email.find(email); !email.empty() && it != by_email.end() && it->second != self)
      fail(row, col_email, email_given,
           "is already the email of user '" + std::string(d.model.find(it->second)->name) + "'");
    if (auto it = by_employee.find(emp); !emp.empty() && it != by_employee.end() && it->second != self)
      fail(row, col_employee, emp,
           "is already the employee identifier of user '" + std::string(d.model.find(it->second)->name) + "'");
    // A user holding an admin role keeps the admin's email (they must match).
    if (plan.existing && d.entity(*plan.existing).link != kNoId && !email.empty() &&
        lower_ascii(d.full_record(*plan.existing).text("email")) != email)
      fail(row, col_email, email_given,
           "user '" + username + "' holds an admin role, whose email must match; change the email alone, "
           "with the admin role removed first");
    // Groups (membership is the groups scope, as in add_member) and the device.
    if (!row.groups.empty() && group_edit && !group_edit->allowed)
      fail(row, layout.header(row.group_columns.front()), row.groups.front(), group_edit->reason);
    plan.groups.reserve(row.groups.size());
    for (std::size_t k = 0; k < row.groups.size(); ++k) {
      const GroupCell& cell = resolve_group(row.groups[k]);
      if (!cell.error.empty()) fail(row, layout.header(row.group_columns[k]), row.groups[k], cell.error);
      // A group created earlier in this pass: now known by its lower-cased name.
      plan.groups.push_back(cell.id);
    }
    if (row.device && !row.device->system_id.empty()) {
      Id dev = kNoId;
      try {
        dev = static_cast<Id>(std::stoul(row.device->system_id));
      } catch (...) {
      }
      const Entity* e = d.model.find(dev);
      if (e == nullptr || e->kind != Kind::kDevice || e->org != org)
        fail(row, row.device->column, row.device->system_id, "no device with this id in this org");
      else
        plan.device = dev;
    } else if (row.device) {
      auto it = devices_by_host.find(row.device->hostname);
      if (it == devices_by_host.end())
        fail(row, row.device->column, row.device->hostname, "no device with this hostname in this org");
      else if (it->second == kNoId)
        fail(row, row.device->column, row.device->hostname, "several devices have this hostname; give SystemID instead");
      else
        plan.device = it->second;
    }
    // Through a view, changing a user who holds an admin role is protected.
    if (plan.existing && actor.type != ActorType::kSystem) {
      Decision dec = d.engine.check(actor, kOther, *plan.existing, true);
      if (!dec.allowed) fail(row, "", username, dec.reason);
    }
    tick(i);
  }
  return plans;
}

}  // namespace dirctl
