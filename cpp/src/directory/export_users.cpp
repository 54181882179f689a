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
#include "io/user_rows.h"

namespace dirctl {
namespace {

struct ExportTarget {
  bool exists = false;
  mode_t mode = 0;  // permission bits of the file replaced
};

// What is at `path` now: nothing, or a regular file we may replace.
ExportTarget check_export_target(const std::string& path, bool overwrite) {
  if (path.find('\0') != std::string::npos)
    throw InvalidArgument("the export path contains a NUL character; give a plain file path");
  if (path.empty()) throw InvalidArgument("the export path is empty; give a file path");
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    throw StorageError("cannot look at '" + path + "' (" + std::strerror(errno) + "); check the folder exists");
  }
  if (S_ISLNK(st.st_mode))
    throw InvalidArgument("'" + path + "' is a symbolic link; export to the file it points to, or another path");
  if (!S_ISREG(st.st_mode))
    throw InvalidArgument("'" + path + "' is not a regular file (" +
                          (S_ISDIR(st.st_mode) ? "a folder" : S_ISFIFO(st.st_mode) ? "a FIFO" :
                           S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : "a special file") +
                          "); export writes regular files only: pick another path");
  if (!overwrite)
    throw Conflict("'" + path + "' already exists; pass overwrite=True (CLI: --force) to replace it");
  return {true, static_cast<mode_t>(st.st_mode & 07777)};
}

// A new, unique file beside `path` (same folder, so the final rename is
// atomic), with the replaced file's mode or the usual 0666 & ~umask.
std::string create_temp_beside(const std::string& path, const ExportTarget& target) {
  static std::atomic<unsigned> counter{0};
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      throw StorageError("cannot write beside '" + path + "' (" + std::strerror(errno) +
                         "); check the folder exists and is writable");
    }
    if (target.exists) (void)::fchmod(fd, target.mode);
    ::close(fd);
    return tmp;
  }
  throw StorageError("cannot create a temporary file beside '" + path + "'; remove stale '.tmp-*' files there");
}

// Moves the finished file into place: without overwrite, never over a file
// that appeared meanwhile (link() fails if the name exists).
void publish_export(const std::string& tmp, const std::string& path, bool overwrite) {
  if (!overwrite) {
    if (::link(tmp.c_str(), path.c_str()) == 0) {
      std::remove(tmp.c_str());
      return;
    }
    if (errno == EEXIST)
      throw Conflict("'" + path + "' appeared while exporting; pass overwrite=True (CLI: --force) to replace it");
    if (errno != EPERM && errno != ENOTSUP && errno != EXDEV)
      throw StorageError("cannot create '" + path + "' (" + std::strerror(errno) + "); check the folder is writable");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw StorageError("cannot replace '" + path + "' (" + std::strerror(errno) +
                       "); check it is not a folder and the folder is writable");
}

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
