// Directory::columns(): a kind's records of an org as typed columns, for
// DataFrames. Authorised as list() is; a filtered listing (an actor that sees
// only some objects) drops the rows it may not see, and with them the names
// only those rows used, so a category never names an invisible object's value.
// The org's rows are those the model knows (they bound the read): a row that
// another process added after this call caught up may be left out.
#include <utility>
#include <vector>

#include "dirctl/directory.h"
#include "directory/impl.h"

namespace dirctl {
namespace {

template <typename T>
void keep_values(std::vector<T>& values, const std::vector<bool>& keep) {
  std::size_t w = 0;
  for (std::size_t i = 0; i < values.size(); ++i)
    if (keep[i]) {
      if (w != i) values[w] = std::move(values[i]);
      ++w;
    }
  values.resize(w);
}

void keep_rows(IntColumn& c, const std::vector<bool>& keep) {
  keep_values(c.values, keep);
  if (!c.valid.empty()) keep_values(c.valid, keep);
}
void keep_rows(BoolColumn& c, const std::vector<bool>& keep) { keep_values(c.values, keep); }
void keep_rows(IdListColumn& c, const std::vector<bool>& keep) { keep_values(c.values, keep); }

void keep_rows(TextColumn& c, const std::vector<bool>& keep) {
  TextColumn kept;
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (!keep[i]) continue;
    if (!c.valid.empty() && c.valid[i] == 0)
      kept.push_null();
    else
      kept.push(c.at(i));
  }
  c = std::move(kept);
}

void keep_rows(CodedColumn& c, const std::vector<bool>& keep) {
  CodedColumn kept;  // re-coded: names no kept row uses are gone
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (!keep[i]) continue;
    const std::int32_t code = c.codes[i];
    if (code < 0)
      kept.push_null();
    else
      kept.push(c.names[static_cast<std::size_t>(code)]);
  }
  c = std::move(kept);
}

}  // namespace

TableColumns Directory::columns(const Actor& actor, Kind kind_id, Id org) {
  Impl& d = live(impl_);
  return audited(d, [&] {
    const KindSpec& kind = spec(kind_id);
    authorize_listing(d, actor, kind, org);
    const Id scope = kind.per_org ? org : kNoId;
    RowSpan span;
    if (kind.per_org) {  // what the model knows of the org's rows (see RecordStore::columns)
      const std::vector<Id> known = d.model.ids_of(kind_id, scope);
      span = {known.size(), known.empty() ? kNoId : known.front(), known.empty() ? kNoId : known.back()};
    } else {
      span.rows = d.model.count(kind_id, scope);
    }
    TableColumns cols = d.records.columns(kind, scope, span);
    const std::vector<std::int64_t>& ids = cols.ids();
    if (kind_id == Kind::kAdmin) {  // org access lives in the model's edges, not in a column
      IdListColumn orgs;
      orgs.values.reserve(ids.size());
      for (std::int64_t id : ids) orgs.values.push_back(d.org_access(static_cast<Id>(id)));
      cols.columns.push_back(TableColumn{"orgs", std::move(orgs), false});
    }
    if (kind_id == Kind::kUser) {  // seed 003: the users list shows who holds an admin role
      BoolColumn admin;
      admin.values.reserve(ids.size());
      for (std::int64_t id : ids) {
        // A row another process added after this call caught up is not in
        // the model yet: it holds no admin role the model knows of.
        const Entity* e = d.model.find(static_cast<Id>(id));
        admin.values.push_back(e != nullptr && e->link != kNoId);
      }
      cols.columns.push_back(TableColumn{"administrator", std::move(admin), false});
    }
    if (kind_id == Kind::kOrg || d.filters(actor, scope_of(kind_id), org)) {
      std::vector<bool> keep(cols.rows());
      for (std::size_t i = 0; i < keep.size(); ++i)
        keep[i] = listing_visible(d, actor, kind_id, static_cast<Id>(cols.ids()[i]));
      for (TableColumn& c : cols.columns) std::visit([&](auto& column) { keep_rows(column, keep); }, c.data);
    }
    for (TableColumn& c : cols.columns)  // categories in text order, as sorting the column's text would give
      if (auto* coded = std::get_if<CodedColumn>(&c.data)) coded->sort_names();
    return cols;
  });
}

}  // namespace dirctl
