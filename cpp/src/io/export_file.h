// Export files: written beside their final path and moved into place, so a
// reader never sees half a file, and never over a symbolic link, FIFO, device
// or folder. Without overwrite, never over an existing file (even one that
// appears while exporting). Shared by the users' CSV export and the event
// log's export and purge.
#pragma once

#include <string>

#include <sys/types.h>

namespace dirctl {

struct ExportTarget {
  bool exists = false;
  mode_t mode = 0;  // permission bits of the file replaced
};

// What is at `path` now: nothing, or a regular file we may replace (else
// InvalidArgument, or Conflict without overwrite).
ExportTarget check_export_target(const std::string& path, bool overwrite);
// A new, unique file beside `path` (same folder, so the final rename is
// atomic), with the replaced file's mode or the usual 0666 & ~umask.
std::string create_temp_beside(const std::string& path, const ExportTarget& target);
// Moves the finished file into place (see above).
void publish_export(const std::string& tmp, const std::string& path, bool overwrite);

}  // namespace dirctl
