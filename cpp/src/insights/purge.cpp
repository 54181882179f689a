// Insights::purge(): old events out of the log, only once they are safe in
// a verified file. In one write transaction:
//   1. the purge's own event is appended first, so the log's highest seq
//      never goes down (SQLite would reuse seqs of a table emptied) and a
//      process catching up sees it and reloads;
//   2. the events before the cutoff (and before that event) are written to
//      a temporary file beside the target, flushed to disk, moved into
//      place, then read back: its SHA-256 and size must be those written;
//   3. exactly those events are deleted, the purge is recorded (with the
//      highest object id they named, so ids stay unused), and its event
//      gets the summary.
// Any failure rolls all of it back; a file already written then stays, a
// copy of events still in the log.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include "authz/role_engine.h"
#include "dirctl/authz.h"
#include "dirctl/error.h"
#include "dirctl/insights.h"
#include "insights/event_text.h"
#include "insights/insights_scope.h"
#include "io/export_file.h"
#include "service/service_host.h"
#include "store/event_log.h"
#include "util/clock.h"
#include "util/json_text.h"

namespace dirctl {

namespace {

std::string hex(const unsigned char* p, std::size_t n) {
  std::string out(2 * n + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), p, n);
  out.pop_back();  // the terminating NUL
  return out;
}

// Appends to a file descriptor, hashing what it wrote.
class HashedFile {
 public:
  explicit HashedFile(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd_ < 0) throw StorageError("cannot open '" + path + "' (" + std::strerror(errno) + ")");
    crypto_hash_sha256_init(&state_);
  }
  ~HashedFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  void write(const std::string& text) {
    crypto_hash_sha256_update(&state_, reinterpret_cast<const unsigned char*>(text.data()), text.size());
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw StorageError("writing '" + path_ + "' failed (" + std::strerror(errno) + "); disk full?");
      done += static_cast<std::size_t>(n);
    }
    bytes_ += text.size();
  }
  // Flushed to disk and closed; returns the hex SHA-256 of what was written.
  std::string finish() {
    if (::fsync(fd_) != 0) throw StorageError("cannot flush '" + path_ + "' to disk (" + std::strerror(errno) + ")");
    ::close(fd_);
    fd_ = -1;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&state_, digest);
    return hex(digest, sizeof digest);
  }
  std::size_t bytes() const { return bytes_; }

 private:
  std::string path_;
  int fd_ = -1;
  crypto_hash_sha256_state state_{};
  std::size_t bytes_ = 0;
};

// The SHA-256 and size of the file now on disk at `path`.
std::pair<std::string, std::size_t> read_back(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) throw StorageError("cannot read back '" + path + "' (" + std::strerror(errno) + "); nothing was purged");
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::size_t total = 0;
  unsigned char buf[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      throw StorageError("cannot read back '" + path + "' (" + std::strerror(errno) + "); nothing was purged");
    }
    if (n == 0) break;
    crypto_hash_sha256_update(&state, buf, static_cast<std::size_t>(n));
    total += static_cast<std::size_t>(n);
  }
  ::close(fd);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  return {hex(digest, sizeof digest), total};
}

struct TempFile {  // removed unless published
  std::string path;
  bool keep = false;
  ~TempFile() {
    if (!keep && !path.empty()) std::remove(path.c_str());
  }
};

}  // namespace

PurgeReport Insights::purge(const Actor& actor, std::int64_t before_ms, const std::string& path, ExportFormat format,
                            bool overwrite) {
  PurgeReport report;
  host_.enter([&] {
    // The log is the audit trail of everything, admin management included:
    // removing any of it takes insights and administrators edit rights.
    host_.authorize(actor, action_for(Scope::kInsights, Verb::kEdit), kNoId, "events_purge");
    host_.authorize(actor, action_for(Scope::kAdministrators, Verb::kEdit), kNoId, "events_purge");
    if (actor.type != ActorType::kSystem) {
      const EventScope scope = scope_of(host_, actor);
      if (!scope.directory_wide || scope.orgs.size() != host_.orgs_of(Actor::system()).size())
        host_.refuse(actor, kNoId, "events_purge",
                     "a purge removes every org's events: only an admin who sees every org and the administrators "
                     "may purge the log");
    }
    if (sodium_init() < 0) throw StorageError("libsodium could not start");
    const ExportTarget target = check_export_target(path, overwrite);
    host_.write([&] {
      Event e = host_.event(actor, "events_purge", kNoId, kNoId);
      e.message = "events before " + iso_of_ms(before_ms) + " to '" + path + "'";
      host_.append(e);
      PurgeRow row;
      row.seq = e.seq;
      row.before_ms = before_ms;
      row.file = path;
      TempFile tmp{create_temp_beside(path, target)};
      std::int64_t written = 0;
      {
        HashedFile out(tmp.path);
        std::string chunk = format == ExportFormat::kCsv ? event_csv_header() : std::string();
        EventFilter f;
        f.end_ms = before_ms;
        f.before_seq = row.seq;
        f.by_seq = true;
        EventLog(host_.store()).each(f, EventScope{}, [&](const Event& ev) {
          if (format == ExportFormat::kCsv)
            append_event_csv(chunk, ev);
          else
            append_event_json(chunk, ev);
          ++written;
          if (chunk.size() > (1u << 20)) {
            out.write(chunk);
            chunk.clear();
          }
        });
        out.write(chunk);
        const std::size_t bytes = out.bytes();
        row.sha256 = out.finish();
        publish_export(tmp.path, path, overwrite);
        tmp.keep = true;
        const auto [disk_sha, disk_bytes] = read_back(path);
        if (disk_sha != row.sha256 || disk_bytes != bytes)
          throw StorageError("'" + path + "' does not read back as written (" + std::to_string(disk_bytes) + " of " +
                             std::to_string(bytes) + " bytes, SHA-256 " + disk_sha + "); nothing was purged");
      }
      EventLog log(host_.store());
      log.purge_delete(row);
      if (row.rows != written)
        throw StorageError("the purge exported " + std::to_string(written) + " events but would remove " +
                           std::to_string(row.rows) + "; nothing was purged");
      std::vector<FieldChange> changes = {
          {"before", "null", to_json_text(Value{iso_of_ms(before_ms)})},
          {"rows", "0", std::to_string(row.rows)},
          {"first_seq", "null", std::to_string(row.first_seq)},
          {"last_seq", "null", std::to_string(row.last_seq)},
          {"file", "null", to_json_text(Value{path})},
          {"sha256", "null", to_json_text(Value{row.sha256})},
      };
      log.purge_record(row, changes_to_json(changes),
                       std::to_string(row.rows) + " events before " + iso_of_ms(before_ms) + " exported to '" + path +
                           "' (SHA-256 " + row.sha256 + ") and removed");
      report = PurgeReport{row.seq, row.rows, row.first_seq, row.last_seq, path, row.sha256};
    });
  });
  return report;
}

}  // namespace dirctl
