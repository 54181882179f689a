#include "importer/import_run.h"

#include <algorithm>

#include "dirctl/error.h"
#include "model/entity_fields.h"
#include "model/validate.h"
#include "store/change_text.h"
#include "store/record_store.h"
#include "store/record_writer.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/json_text.h"

namespace dirctl {

ImportRun::ImportRun(ImportHost& host, Id org, const ImportOptions& opt, const UserRows& layout, ImportReport& rep,
                     bool header_broken, std::size_t expected_rows)
    : host_(host),
      org_(org),
      opt_(opt),
      rep_(rep),
      header_broken_(header_broken),
      writing_(!opt.dry_run && !header_broken),
      now_(utc_now_iso()),
      checker_(host, org, opt, layout, rep.error_records, groups_by_name_, [this] { store_is_mine(); }) {
  const KindSpec& user = spec(Kind::kUser);
  Fields defaults;
  for (const auto& f : user.fields)
    if (!is_null(f.default_value)) defaults.emplace_back(f.name, f.default_value);
  new_user_ = entity_of(user, org, defaults);
  if (!writing_) return;
  // A load large next to the directory sets the secondary indexes it would
  // scatter aside and builds them once at the end (same transaction): the
  // users' keys and the memberships' reverse index. Events' indexes (type,
  // time, resource) grow at their ends and stay.
  auto defer = [&](const char* table, std::size_t adding, std::size_t existing) {
    if (IndexDeferral::worth_it(adding, existing)) deferred_.push_back(std::make_unique<IndexDeferral>(host_.store(), table));
  };
  defer("users", expected_rows, host_.model().live_objects());
  defer("edges", expected_rows * layout.group_column_count(), host_.model().edge_count());
  creator_.emplace(host_.store(), org_, host_.event("user_create", org_, kNoId), now_);
  background_.emplace(*creator_);
}

ImportRun::~ImportRun() = default;  // the background writer stops before the statements go

void ImportRun::store_is_mine() {
  if (background_) background_->drain();
}

Id ImportRun::new_group(const std::string& name) {
  store_is_mine();
  const KindSpec& gk = spec(Kind::kUserGroup);
  const Id gid = host_.allocate_id();
  Fields gf = validate_create(gk, {{"name", name}});
  host_.writer().insert(gk, gid, org_, gf, now_);
  Event e = host_.event("group_create", org_, kNoId);
  e.resource = {gk.name, gid, name};
  e.message = "created by a user import";
  host_.append(e);
  host_.put(gid, entity_of(gk, org_, gf));
  return gid;
}

void ImportRun::add(ImportRow&& row) {
  ++rows_;
  ImportPlan plan = checker_.check(row);
  ImportRowResult res;
  res.line = row.line;
  res.username = cut80(row.username());
  if (row.bad) {  // a dry run shows the error; a real import with skip skips the row
    ++bad_rows_;
    if (!opt_.skip_errors) writing_ = false;  // on_error=abort: nothing of this import is kept
    const bool skipped = opt_.skip_errors && !opt_.dry_run;
    res.status = skipped ? RowStatus::kSkipped : RowStatus::kError;
    if (skipped) ++rep_.skipped;
    rep_.rows.add(std::move(res));
    return;
  }
  if (plan.binding_for != 0) return add_binding_row(row, plan, std::move(res));
  // Groups the file names that do not exist yet: made when a row that is
  // written first needs them (a bad row creates nothing).
  if (writing_)
    for (std::size_t k = 0; k < plan.groups.size(); ++k)
      if (plan.groups[k] == kNoId) {
        Id& made = groups_by_name_[lower_ascii(row.groups[k])];
        if (made == kNoId) made = new_group(row.groups[k]);
        plan.groups[k] = made;
      }
  Fields& given = row.fields;
  if (!row.password.empty()) given.emplace_back("password", std::move(row.password));
  add_implied(spec(Kind::kUser), given);  // activated with a password; no enrolment period without MFA
  const bool activates = std::any_of(given.begin(), given.end(), [](const auto& f) { return f.first == "activated"; });
  for (std::size_t k = 0; k < plan.groups.size(); ++k)  // "a;b": the groups the row adds
    if (plan.groups[k] == kNoId || !plan.existing || !host_.model().linked(plan.groups[k], *plan.existing))
      res.groups_added += (res.groups_added.empty() ? "" : ";") + row.groups[k];
  const bool adds_groups = !res.groups_added.empty();
  if (plan.device != kNoId) res.device_bound = std::string(host_.model().find(plan.device)->name);
  if (!writing_ && !opt_.dry_run) {  // another row failed: this one is not imported either
    res.status = RowStatus::kNotImported;
    rep_.rows.add(std::move(res));
    return;
  }
  const KindSpec& user = spec(Kind::kUser);
  Id uid;
  if (!plan.existing) {
    res.status = RowStatus::kCreated;
    ++rep_.created;
    if (!activates) ++rep_.pending_activation;
    if (opt_.dry_run) {
      rep_.rows.add(std::move(res));
      return;
    }
    uid = host_.allocate_id();
    BulkUserWriter::Pending pending;
    creator_->prepare(uid, std::move(given), res.groups_added, pending);
    Entity entity = new_user_;
    apply_fields(user, pending.fields, entity);
    background_->add(std::move(pending));
    host_.put(uid, entity);
  } else {
    uid = *plan.existing;
    store_is_mine();
    Record old = host_.full_record(uid);
    Fields changed;
    std::vector<FieldChange> changes;
    for (const auto& [name, value] : given) {
      if (name == "username") continue;  // the key, never changed
      const Value* before = old.find(name);
      if (name != "password" && before != nullptr && *before == value) continue;
      changed.emplace_back(name, value);
      changes.push_back({name, before ? change_text(user, name, *before) : "null", change_text(user, name, value)});
    }
    const bool binds = plan.device != kNoId && binding_changes(uid, plan.device, row.device->administrator);
    res.user = uid;
    if (changed.empty() && !adds_groups && !binds) {
      res.status = RowStatus::kUnchanged;
      ++rep_.unchanged;
      rep_.rows.add(std::move(res));
      return;
    }
    res.status = RowStatus::kUpdated;
    ++rep_.updated;
    if (const Value* was = old.find("activated"); !activates && (was == nullptr || *was != Value{true}))
      ++rep_.pending_activation;
    if (opt_.dry_run) {
      rep_.rows.add(std::move(res));
      return;
    }
    if (!changed.empty()) host_.writer().update(user, uid, changed, now_);
    for (auto& [name, value] : changed)
      for (auto& [k, v] : old.fields)
        if (k == name) v = value;
    Event e = host_.event("user_update", org_, uid);
    e.changes = std::move(changes);
    if (adds_groups) e.changes.push_back({"groups", "null", to_json_text(Value{res.groups_added})});
    host_.append(e);
    host_.put(uid, entity_of(user, old));
  }
  res.user = uid;
  for (Id g : plan.groups)
    if (!host_.model().linked(g, uid)) {
      memberships_.emplace_back(std::min(g, uid), std::max(g, uid));
      host_.link(g, uid);
    }
  if (plan.device != kNoId) {
    bindings_.push_back({uid, plan.device, row.device->administrator});
    host_.link(uid, plan.device);
  }
  rep_.rows.add(std::move(res));
}

// Whether binding user and device with this sudo changes the directory
// (a binding this import made is not stored yet: it counts as a change).
bool ImportRun::binding_changes(Id user, Id device, bool sudo) {
  if (!host_.model().linked(user, device)) return true;
  store_is_mine();
  const auto stored = host_.records().edge_flags(user, device);
  return !stored || stored->sudo != sudo;
}

// A binding row (ImportPlan::binding_for): one more device for the user of
// an earlier row, written with the import's other bindings. It counts as an
// update of that user (unchanged if the directory already has the binding).
// For a user the directory already held, an association event records it,
// as bind() would; a user this import creates has its user_create event.
void ImportRun::add_binding_row(const ImportRow& row, const ImportPlan& plan, ImportRowResult&& res) {
  res.device_bound = std::string(host_.model().find(plan.device)->name);
  if (!writing_ && !opt_.dry_run) {  // another row failed: this one is not imported either
    res.status = RowStatus::kNotImported;
    rep_.rows.add(std::move(res));
    return;
  }
  Id uid = plan.existing.value_or(kNoId);
  if (uid == kNoId) {  // created by this import, on line binding_for (no id in a dry run)
    auto at = std::lower_bound(rep_.rows.line.begin(), rep_.rows.line.end(), plan.binding_for);
    if (at != rep_.rows.line.end() && *at == plan.binding_for)
      uid = rep_.rows.user[static_cast<std::size_t>(at - rep_.rows.line.begin())];
  }
  const bool sudo = row.device->administrator;
  const bool changes = !plan.existing || binding_changes(uid, plan.device, sudo);
  res.user = uid;
  res.status = changes ? RowStatus::kUpdated : RowStatus::kUnchanged;
  ++(changes ? rep_.updated : rep_.unchanged);
  if (opt_.dry_run || !changes || uid == kNoId) {
    rep_.rows.add(std::move(res));
    return;
  }
  if (plan.existing) {
    store_is_mine();
    const auto stored = host_.model().linked(uid, plan.device) ? host_.records().edge_flags(uid, plan.device)
                                                              : std::nullopt;
    Event e = host_.event(stored ? "association_update" : "association_add", org_, uid);
    e.target = {"device", static_cast<std::int64_t>(plan.device), res.device_bound};
    e.changes.push_back({"sudo", std::string(stored ? (stored->sudo ? "true" : "false") : "null"), sudo ? "true" : "false"});
    e.message = "by a user import";
    host_.append(e);
  }
  bindings_.push_back({uid, plan.device, sudo});
  host_.link(uid, plan.device);
  rep_.rows.add(std::move(res));
}

void ImportRun::finish(const std::string& path) {
  // Cell errors (found while reading) and the checker's, in file order.
  std::stable_sort(rep_.error_records.begin(), rep_.error_records.end(),
                   [](const ImportIssue& a, const ImportIssue& b) { return a.line < b.line; });
  rep_.errors = bad_rows_ + (header_broken_ ? 1 : 0);
  if (!writing_ && !opt_.dry_run) {
    // Stopped by a bad row (or the header): what was written goes with the
    // transaction, so no row was imported.
    for (std::size_t i = 0; i < rep_.rows.size(); ++i) {
      const auto s = static_cast<RowStatus>(rep_.rows.status[i]);
      if (s == RowStatus::kCreated || s == RowStatus::kUpdated || s == RowStatus::kUnchanged) {
        rep_.rows.status[i] = static_cast<std::uint8_t>(RowStatus::kNotImported);
        rep_.rows.user[i] = kNoId;
      }
    }
    rep_.created = rep_.updated = rep_.unchanged = 0;
    return;
  }
  if (opt_.dry_run) return;
  store_is_mine();
  host_.note_seq(background_->last_seq());
  background_.reset();
  std::sort(memberships_.begin(), memberships_.end());  // each lands next to the previous one
  {
    // Sent without waiting for each answer on a server; a failure surfaces by finish().
    Store::Pipeline pipeline(host_.store());
    for (auto [a, b] : memberships_) host_.writer().add_edge(a, b);
    for (const auto& b : bindings_) host_.writer().set_binding(b.user, b.device, b.sudo, std::nullopt);
    guarded("cannot store the import's memberships", [&] { pipeline.finish(); });
  }
  for (auto& deferral : deferred_) deferral->rebuild();
  Event summary = host_.event("user_import", org_, org_);
  summary.message = "imported '" + path + "': " + std::to_string(rep_.created) + " created, " +
                    std::to_string(rep_.updated) + " updated, " + std::to_string(rep_.unchanged) + " unchanged, " +
                    std::to_string(rep_.skipped) + " skipped, " + std::to_string(rep_.errors) + " with errors";
  host_.append(summary);
  host_.commit_write();
  rep_.written = true;
}

}  // namespace dirctl
