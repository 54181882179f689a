// Export of an org's users to JumpCloud's import template (CSV).
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

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
      out << csv_line(header) << "\r\n";
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
        out << csv_line(row) << "\r\n";
      }
      if (!out.flush()) throw StorageError("writing '" + tmp + "' failed (disk full?)");
    }
    publish_export(tmp, path, overwrite);
    cleanup.done = true;
    return users.size();
  });
}

}  // namespace dirctl
