// Directory::columns(): a kind's records of an org as columns, for DataFrames.
#include "dirctl/directory.h"
#include "directory/impl.h"

namespace dirctl {

Columns Directory::columns(const Actor& actor, Kind kind_id, Id org) {
  Impl& d = live(impl_);
  return audited(d, [&] {
    const KindSpec& kind = spec(kind_id);
    d.require_visible(actor, {org}, kind.name + "_list");
    if (kind.per_org) d.entity(org, Kind::kOrg);
    authorize_listing(d, actor, kind, org);
    Columns cols = d.records.columns(kind, kind.per_org ? org : kNoId);
    if (kind_id == Kind::kAdmin) {  // org access lives in the model's edges, not in a column
      std::vector<Value> orgs;
      for (const Value& id : cols.front().second) orgs.emplace_back(d.org_access(static_cast<Id>(std::get<std::int64_t>(id))));
      cols.emplace_back("orgs", std::move(orgs));
    }
    if (kind_id == Kind::kUser) {  // seed 003: the users list shows who holds an admin role
      std::vector<Value> admin;
      admin.reserve(cols.front().second.size());
      for (const Value& id : cols.front().second)
        admin.emplace_back(d.model.find(static_cast<Id>(std::get<std::int64_t>(id)))->link != kNoId);
      cols.emplace_back("administrator", std::move(admin));
    }
    if (kind_id != Kind::kOrg && !d.filters(actor, scope_of(kind_id), org)) return cols;
    const auto& ids = cols.front().second;
    std::vector<bool> keep(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i)
      keep[i] = listing_visible(d, actor, kind_id, static_cast<Id>(std::get<std::int64_t>(ids[i])));
    for (auto& [name, values] : cols) {
      std::size_t w = 0;
      for (std::size_t i = 0; i < values.size(); ++i)
        if (keep[i]) {
          if (w != i) values[w] = std::move(values[i]);  // never self-move: it empties a variant
          ++w;
        }
      values.resize(w);
    }
    return cols;
  });
}

}  // namespace dirctl
