#include "io/export_file.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirctl/error.h"

namespace dirctl {

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

}  // namespace dirctl
