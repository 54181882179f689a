#include "importer/import_checks.h"

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "authz/role_engine.h"
#include "dirctl/error.h"
#include "model/validate.h"
#include "store/record_store.h"

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

}  // namespace

ImportChecker::ImportChecker(ImportHost& host, Id org, const ImportOptions& opt, const UserRows& layout,
                             std::vector<ImportIssue>& errors, GroupsByName& groups_by_name, std::function<void()> quiesce)
    : host_(host), org_(org), opt_(opt), layout_(layout), errors_(errors), groups_by_name_(groups_by_name),
      quiesce_(std::move(quiesce)) {
  host.records().scan_user_keys(org, [&](Id id, std::string_view u, std::string_view e, std::string_view emp) {
    by_username_.emplace(lower_ascii(u), id);
    by_email_.emplace(lower_ascii(e), id);
    if (!emp.empty()) by_employee_.emplace(std::string(emp), id);
  });
  for (Id g : host.model().ids_of(Kind::kUserGroup, org)) groups_by_name_.emplace(lower_ascii(host.model().find(g)->name), g);
  for (Id dev : host.model().ids_of(Kind::kDevice, org)) {
    auto [it, added] = devices_by_host_.emplace(std::string(host.model().find(dev)->name), dev);
    if (!added) it->second = kNoId;
  }
  for (const Record& dev : host.records().read_all(spec(Kind::kDevice), org))
    if (std::string ext = dev.text("external_id"); !ext.empty()) devices_by_external_.emplace(std::move(ext), dev.id);
  col_username_ = layout.column_of("username");
  col_email_ = layout.column_of("email");
  col_employee_ = layout.column_of("employee_identifier");
  if (!host.acts_as_system()) group_edit_ = host.check(action_for(Scope::kGroups, Verb::kEdit), org, true);
}

void ImportChecker::fail(ImportRow& row, const std::string& column, const std::string& value, std::string message) {
  errors_.push_back({row.line, column, cut80(value), std::move(message)});
  row.bad = true;
}

// Files repeat a few group spellings many times: each is resolved once.
const ImportChecker::GroupCell& ImportChecker::resolve_group(const std::string& g) {
  auto [it, added] = group_cells_.try_emplace(g);
  if (!added) return it->second;
  GroupCell& cell = it->second;
  const std::string key = lower_ascii(g);
  if (auto known = groups_by_name_.find(key); known != groups_by_name_.end()) {
    cell.id = known->second;
  } else if (opt_.create_groups) {
    try {
      validate_create(spec(Kind::kUserGroup), {{"name", g}});
      groups_by_name_.emplace(key, kNoId);
    } catch (const InvalidArgument& e) {
      cell.error = std::string("cannot be a new group's name: ") + e.what();
    }
  } else {
    cell.error = "no user group '" + g + "' in this org; create it first or import with create_groups=True";
  }
  return cell;
}

bool ImportChecker::binds_only(const ImportRow& row) {
  return row.device != nullptr && row.username_at >= 0 && row.fields.size() == 1 && row.groups.empty() &&
         row.password.empty();
}

// SystemID is dirctl's id of a device of the org or a device's external_id
// (JumpCloud's system id, kept when devices came from there). Should the
// text be both, for two devices, the row is refused: neither is a safe guess.
void ImportChecker::resolve_device(ImportRow& row, ImportPlan& plan) {
  const DeviceCell& cell = *row.device;
  if (!cell.system_id.empty()) {
    const std::string& text = cell.system_id;
    Id by_id = kNoId;
    if (text.size() <= 10 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      const unsigned long long n = std::stoull(text);
      const Entity* e = n <= UINT32_MAX ? host_.model().find(static_cast<Id>(n)) : nullptr;
      if (e != nullptr && e->kind == Kind::kDevice && e->org == org_) by_id = static_cast<Id>(n);
    }
    auto ext = devices_by_external_.find(text);
    const Id by_external = ext == devices_by_external_.end() ? kNoId : ext->second;
    if (by_id != kNoId && by_external != kNoId && by_id != by_external)
      fail(row, cell.column, text,
           "is ambiguous: it is the id of device '" + std::string(host_.model().find(by_id)->name) + "' (id " +
               std::to_string(by_id) + ") and the external_id of device '" +
               std::string(host_.model().find(by_external)->name) + "' (id " + std::to_string(by_external) +
               "); change that external_id, or bind by Hostname instead");
    else if (by_id == kNoId && by_external == kNoId)
      fail(row, cell.column, text,
           "no device of this org has this id or external_id; give dirctl's device id or set the device's "
           "external_id first (org.devices.update(device, external_id=...))");
    else
      plan.device = by_id != kNoId ? by_id : by_external;
    return;
  }
  auto it = devices_by_host_.find(cell.hostname);
  if (it == devices_by_host_.end())
    fail(row, cell.column, cell.hostname, "no device with this hostname in this org");
  else if (it->second == kNoId)
    fail(row, cell.column, cell.hostname, "several devices have this hostname; give SystemID instead");
  else
    plan.device = it->second;
}

ImportPlan ImportChecker::check(ImportRow& row) {
  ImportPlan plan = check_row(row);
  // A bad user row: later binding rows for its user are bad too.
  if (const std::string uname = lower_ascii(row.username()); row.bad && plan.binding_for == 0 && !uname.empty())
    if (auto it = seen_username_.find(uname); it != seen_username_.end() && it->second == row.line)
      unwritten_users_.insert(uname);
  return plan;
}

ImportPlan ImportChecker::check_row(ImportRow& row) {
  static const ActionId kOther = action_id("users.other_user_operations");
  ImportPlan plan;
  const std::string& username = row.username();
  const std::string& email_given = row.email();
  const std::string uname = lower_ascii(username), email = lower_ascii(email_given);
  // A binding row: one more device for the user of an earlier row.
  if (auto first = seen_username_.find(uname); first != seen_username_.end() && binds_only(row)) {
    plan.binding_for = first->second;
    if (unwritten_users_.count(uname) != 0) {
      fail(row, col_username_, username,
           "binds a device to the user of line " + std::to_string(first->second) +
               ", which has errors; fix that row first");
      return plan;
    }
    if (auto it = by_username_.find(uname); it != by_username_.end()) plan.existing = it->second;
    resolve_device(row, plan);
    return plan;
  }
  const std::string& emp = text_field(row.fields, "employee_identifier");
  // Duplicates within the file (the first occurrence wins; later ones are errors).
  auto duplicate = [&](std::unordered_map<std::string, std::size_t>& seen, const std::string& key,
                       const std::string& column, const std::string& shown, const char* what) {
    if (key.empty()) return;
    auto [it, added] = seen.emplace(key, row.line);
    if (!added)
      fail(row, column, shown,
           std::string("duplicate ") + what + " in the file: also on line " + std::to_string(it->second) +
               (&seen == &seen_username_ ? "; a row repeating a Username may give only SystemID (or Hostname) "
                                           "and Administrator, to bind another device"
                                         : ""));
  };
  duplicate(seen_username_, uname, col_username_, username, "username");
  duplicate(seen_email_, email, col_email_, email_given, "email");
  duplicate(seen_employee_, emp, col_employee_, emp, "employee identifier");
  // Which user the row is about.
  if (!uname.empty()) {
    if (auto it = by_username_.find(uname); it != by_username_.end()) plan.existing = it->second;
  } else if (opt_.mode != ImportMode::kCreate && !email.empty()) {
    if (auto it = by_email_.find(email); it != by_email_.end()) plan.existing = it->second;
  }
  const bool creating = !plan.existing.has_value();
  if (opt_.mode == ImportMode::kCreate && plan.existing)
    fail(row, col_username_, username,
         "user '" + username + "' already exists; import with mode update or upsert to change it");
  if (opt_.mode == ImportMode::kUpdate && !plan.existing) {
    fail(row, uname.empty() ? col_email_ : col_username_, uname.empty() ? email_given : username,
         uname.empty() && email.empty() ? "a row needs a Username (or an Email) to find the user to update"
                                        : "no such user in this org; import with mode create or upsert to add it");
    return plan;
  }
  if (creating)
    for (const char* required : {"first_name", "last_name", "username", "email"})
      if (!row.bad && !has_field(row.fields, required))
        fail(row, layout_.column_of(required), "", std::string("is required for a new user (") + required + ")");
  // Values already held by another user of the org.
  const Id self = plan.existing.value_or(kNoId);
  if (auto it = by_email_.find(email); !email.empty() && it != by_email_.end() && it->second != self)
    fail(row, col_email_, email_given,
         "is already the email of user '" + std::string(host_.model().find(it->second)->name) + "'");
  if (auto it = by_employee_.find(emp); !emp.empty() && it != by_employee_.end() && it->second != self)
    fail(row, col_employee_, emp,
         "is already the employee identifier of user '" + std::string(host_.model().find(it->second)->name) + "'");
  // A user holding an admin role keeps the admin's email (they must match).
  if (plan.existing && host_.model().find(*plan.existing)->link != kNoId && !email.empty() &&
      (quiesce_(), lower_ascii(host_.full_record(*plan.existing).text("email")) != email))
    fail(row, col_email_, email_given,
         "user '" + username + "' holds an admin role, whose email must match; change the email alone, "
         "with the admin role removed first");
  // Groups (membership is the groups scope, as in add_member) and the device.
  if (!row.groups.empty() && group_edit_ && !group_edit_->allowed)
    fail(row, layout_.header(row.group_columns.front()), row.groups.front(), group_edit_->reason);
  plan.groups.reserve(row.groups.size());
  for (std::size_t k = 0; k < row.groups.size(); ++k) {
    const GroupCell& cell = resolve_group(row.groups[k]);
    if (!cell.error.empty()) fail(row, layout_.header(row.group_columns[k]), row.groups[k], cell.error);
    plan.groups.push_back(cell.id);
  }
  if (row.device) resolve_device(row, plan);
  // Through a view, changing a user who holds an admin role is protected.
  if (plan.existing && !host_.acts_as_system()) {
    if (!host_.check(kOther, *plan.existing, false).allowed)  // the reason only when refused
      fail(row, "", username, host_.check(kOther, *plan.existing, true).reason);
  }
  return plan;
}

}  // namespace dirctl
