// Export of an org's users to JumpCloud's import template (CSV).
//
// Device bindings: SystemID is the device's external_id when it has one,
// else dirctl's id; Administrator is the binding's sudo. The template has one
// SystemID a row, so a user's first binding (by device id) is on its row and
// each further one on a binding row of its own: the Username, SystemID and
// Administrator, every other cell empty, right after it. The importer reads
// such rows back as more bindings of that user (importer/import_checks.h).
// passwordless_sudo has no column in the template and is not exported.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <unordered_map>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirctl/directory.h"
#include "dirctl/error.h"
#include "directory/impl.h"
#include "io/csv_reader.h"
#include "io/export_file.h"
#include "io/user_rows.h"

namespace dirctl {
namespace {

std::string cell(const Value* v) {
  if (v == nullptr || is_null(*v)) return {};
  if (const auto* b = std::get_if<bool>(v)) return *b ? "true" : "false";
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(v)) return std::to_string(*i);
  return {};
}

}  // namespace

std::size_t Directory::export_users_csv(const Actor& actor, Id org, const std::string& path, bool overwrite) {
  Impl& d = live(impl_);
  return audited(d, [&]() -> std::size_t {
    const ExportTarget target = check_export_target(path, overwrite);
    d.entity(org, Kind::kOrg);
    d.authorize(actor, Scope::kDirectoryIntegrations, Verb::kRead, org, "user_export");  // "user exports"
    d.authorize(actor, Scope::kUsers, Verb::kRead, org, "user_export");
    const std::vector<Record> users = d.records.read_all(spec(Kind::kUser), org);
    // Each user's bindings as (SystemID, Administrator) cells, by device id.
    std::unordered_map<Id, std::string> system_ids;
    for (const Record& dev : d.records.read_all(spec(Kind::kDevice), org)) {
      std::string ext = dev.text("external_id");
      system_ids.emplace(dev.id, ext.empty() ? std::to_string(dev.id) : std::move(ext));
    }
    std::vector<std::vector<std::pair<std::string, std::string>>> bound(users.size());
    std::size_t binding_rows = 0;
    for (std::size_t i = 0; i < users.size(); ++i) {
      const auto& near = d.model.neighbors(users[i].id);
      if (std::none_of(near.begin(), near.end(), [&](Id n) { return system_ids.count(n) != 0; })) continue;
      std::vector<RecordStore::EdgeFlags> edges = d.records.edge_flags_of(users[i].id);
      std::sort(edges.begin(), edges.end(), [](const auto& x, const auto& y) { return x.other < y.other; });
      for (const auto& edge : edges)
        if (auto it = system_ids.find(edge.other); it != system_ids.end())
          bound[i].emplace_back(it->second, edge.sudo ? "true" : "false");
      binding_rows += bound[i].size() > 1 ? bound[i].size() - 1 : 0;
    }
    std::vector<std::vector<std::string>> groups(users.size());
    std::size_t max_groups = 0, max_attrs = 0;
    for (std::size_t i = 0; i < users.size(); ++i) {
      for (Id g : d.model.neighbors(users[i].id))
        if (const Entity* e = d.model.find(g); e != nullptr && e->kind == Kind::kUserGroup) groups[i].emplace_back(e->name);
      std::sort(groups[i].begin(), groups[i].end());
      max_groups = std::max(max_groups, groups[i].size());
      if (const Value* a = users[i].find("attributes"); a != nullptr && std::holds_alternative<Attributes>(*a))
        max_attrs = std::max(max_attrs, std::get<Attributes>(*a).size());
    }
    const std::string tmp = create_temp_beside(path, target);
    struct RemoveOnFailure {  // a failed export leaves no temporary file behind
      const std::string& file;
      bool done = false;
      ~RemoveOnFailure() {
        if (!done) std::remove(file.c_str());
      }
    } cleanup{tmp};
    const std::size_t columns = user_template_columns().size();
    // The fields' positions in a record are the same for every user: found once.
    std::vector<int> field_at(columns, -1);
    int attributes_at = -1;
    if (!users.empty())
      for (std::size_t k = 0; k < users[0].fields.size(); ++k) {
        const std::string& name = users[0].fields[k].first;
        if (name == "attributes") attributes_at = static_cast<int>(k);
        for (std::size_t c = 0; c < columns; ++c)
          if (name == user_template_columns()[c].second) field_at[c] = static_cast<int>(k);
      }
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw StorageError("cannot write '" + tmp + "'; check the folder exists and is writable");
      std::vector<std::string> header;
      for (const auto& [column, field] : user_template_columns()) header.emplace_back(column);
      for (std::size_t k = 1; k <= max_attrs; ++k) {
        header.push_back("Attribute" + std::to_string(k) + "_name");
        header.push_back("Attribute" + std::to_string(k) + "_value");
      }
      for (std::size_t k = 1; k <= max_groups; ++k) header.push_back("Group" + std::to_string(k));
      header.emplace_back("SystemID");
      header.emplace_back("Administrator");
      out << csv_line(header) << "\r\n";
      const std::size_t width = header.size();
      std::size_t username_at = 0;
      for (std::size_t c = 0; c < columns; ++c)
        if (std::string(user_template_columns()[c].second) == "username") username_at = c;
      std::vector<std::string> row;
      for (std::size_t i = 0; i < users.size(); ++i) {
        row.clear();
        const Fields& fields = users[i].fields;
        for (int at : field_at) row.push_back(at < 0 ? std::string() : cell(&fields[static_cast<std::size_t>(at)].second));
        if (attributes_at >= 0)
          if (const auto* attrs = std::get_if<Attributes>(&fields[static_cast<std::size_t>(attributes_at)].second))
            for (const auto& [name, value] : *attrs) {
              row.push_back(name);
              row.push_back(value);
            }
        row.resize(columns + 2 * max_attrs);
        for (const auto& g : groups[i]) row.push_back(g);
        row.resize(columns + 2 * max_attrs + max_groups);
        const auto& bs = bound[i];
        row.push_back(bs.empty() ? std::string() : bs[0].first);
        row.push_back(bs.empty() ? std::string() : bs[0].second);
        out << csv_line(row) << "\r\n";
        for (std::size_t k = 1; k < bs.size(); ++k) {  // a binding row per further binding
          std::vector<std::string> more(width);
          more[username_at] = row[username_at];
          more[width - 2] = bs[k].first;
          more[width - 1] = bs[k].second;
          out << csv_line(more) << "\r\n";
        }
      }
      if (!out.flush()) throw StorageError("writing '" + tmp + "' failed (disk full?)");
    }
    publish_export(tmp, path, overwrite);
    cleanup.done = true;
    return users.size() + binding_rows;
  });
}

}  // namespace dirctl
