// The directory's side of the import: authorises it, then lends the importer
// (cpp/src/importer/) an ImportHost over this directory and the actor.
#include <algorithm>
#include <optional>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "directory/impl.h"
#include "importer/import_host.h"
#include "importer/import_users.h"

namespace dirctl {
namespace {

class DirectoryImportHost final : public ImportHost {
 public:
  DirectoryImportHost(Directory::Impl& d, const Actor& actor) : d_(d), actor_(actor) {}

  const Model& model() const override { return d_.model; }
  RecordStore& records() override { return d_.records; }
  Record full_record(Id id) override { return d_.full_record(id); }

  bool acts_as_system() const override { return actor_.type == ActorType::kSystem; }
  Decision check(ActionId action, Id resource, bool explain) override {
    return d_.engine.check(actor_, action, resource, explain);
  }

  void begin_write() override { w_.emplace(d_); }
  void commit_write() override { w_->commit(); }
  void abort_write() override { w_.reset(); }
  Store& store() override { return d_.store; }
  RecordWriter& writer() override { return d_.writer; }
  Event event(const std::string& type, Id org, Id resource) override { return d_.event(actor_, type, org, resource); }
  void append(Event& event) override { d_.append(event); }
  void note_seq(std::int64_t seq) override { d_.last_seq = std::max(d_.last_seq, seq); }

  Id allocate_id() override { return d_.model.allocate_id(); }
  void put(Id id, const Entity& entity) override {
    w_->touching_memory();
    d_.model.put(id, entity);
  }
  void link(Id a, Id b) override {
    w_->touching_memory();
    d_.model.link(a, b);
  }

 private:
  Directory::Impl& d_;
  const Actor& actor_;
  std::optional<WriteScope> w_;  // rolls back (and reloads memory) unless committed
};

}  // namespace

ImportReport Directory::import_users_csv(const Actor& actor, Id org, const std::string& path,
                                         const ImportOptions& opt) {
  Impl& d = live(impl_);
  return audited(d, [&]() -> ImportReport {
    d.entity(org, Kind::kOrg);
    d.authorize(actor, Scope::kBulkUserImports, opt.dry_run ? Verb::kRead : Verb::kEdit, org, "user_import");
    ImportReport rep;
    rep.dry_run = opt.dry_run;
    if (opt.dry_run && actor.type != ActorType::kSystem) {  // may look, but may it import?
      const Decision real = d.engine.check(actor, action_for(Scope::kBulkUserImports, Verb::kEdit), org, true);
      if (!real.allowed)
        rep.warnings.push_back({0, "", "", "this is what the file would do; an import by this actor would be refused: " +
                                               real.reason});
    }
    DirectoryImportHost host(d, actor);
    return import_users(host, org, path, opt, std::move(rep));
  });
}

}  // namespace dirctl
