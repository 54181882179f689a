// Bulk user import: the driver. Reads the file (cells checked on worker
// threads), then hands the rows in file order to an ImportRun under the
// write lock. Without passwords the rows go to the run as the file is read
// (the lock is taken after the header), so reading, checking and writing
// overlap. With passwords every row is read first and the passwords hashed
// (Argon2id, slow on purpose) before the lock is taken, so other writers
// are not kept waiting for the hashing.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <future>
#include <iterator>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>

#include "importer/import_users.h"

#include "dirctl/error.h"
#include "importer/import_run.h"
#include "io/csv_reader.h"
#include "io/user_rows.h"
#include "util/password.h"

namespace dirctl {
namespace {

using Clock = std::chrono::steady_clock;

// Calls the caller's progress at most four times a second.
class Progress {
 public:
  explicit Progress(const std::function<void(std::size_t, std::size_t)>& f) : f_(f) {}
  void tick(std::size_t done, std::size_t total, bool force = false) {
    if (!f_) return;
    if ((++calls_ & 1023) != 0 && !force) return;
    const auto now = Clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    f_(done, total);
  }

 private:
  const std::function<void(std::size_t, std::size_t)>& f_;
  Clock::time_point last_{};
  std::size_t calls_ = 0;
};

using RowsSink = std::function<void(std::vector<ImportRow>&&)>;

// Cells are checked on worker threads while this thread reads the file:
// chunks of records go out as tasks (a few in flight, to bound memory), and
// come back, with their error records, in file order to `sink`, on this
// thread. `on_header` runs once the header is read.
void read_cells(const std::string& path, const ImportOptions& opt, std::optional<UserRows>& layout,
                ImportReport& rep, std::size_t& header_errors, const std::function<void()>& on_header,
                const RowsSink& sink) {
  struct Parsed {
    std::vector<ImportRow> rows;
    std::vector<ImportIssue> errors;
  };
  constexpr std::size_t kChunk = 4096;
  const std::size_t in_flight = std::max(2u, std::thread::hardware_concurrency()) + 1;
  std::deque<std::future<Parsed>> tasks;
  auto collect = [&] {
    Parsed p = tasks.front().get();
    tasks.pop_front();
    std::move(p.errors.begin(), p.errors.end(), std::back_inserter(rep.error_records));
    sink(std::move(p.rows));
  };
  std::vector<CsvRecord> chunk;
  auto launch = [&] {
    tasks.push_back(std::async(std::launch::async, [&layout, records = std::move(chunk)]() {
      Parsed p;
      p.rows.reserve(records.size());
      for (const CsvRecord& r : records) p.rows.push_back(layout->parse(r, p.errors));
      return p;
    }));
    chunk = {};
    chunk.reserve(kChunk);
    while (tasks.size() >= in_flight) collect();
  };
  try {
    read_csv_file(path, [&](CsvRecord& rec) {
      if (!layout) {
        layout.emplace(rec, opt.strict, rep.warnings, rep.error_records);
        header_errors = rep.error_records.size();
        on_header();
        return;
      }
      chunk.push_back(std::move(rec));
      if (chunk.size() == kChunk) launch();
    });
  } catch (...) {
    for (auto& t : tasks) t.wait();  // they read `layout`; let them finish first
    throw;
  }
  if (!chunk.empty()) launch();
  while (!tasks.empty()) collect();
}

// The file's line count less the header: the expected rows (quoted newlines
// make it an upper bound), for the progress total and for deciding whether
// indexes are set aside. One memchr pass, about 50 ms for 100 MB.
std::size_t counted_rows(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return 0;
  std::vector<char> buf(1 << 20);
  std::size_t lines = 0, n = 0;
  char last = '\n';
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    for (const char* p = buf.data(); (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(buf.data() + n - p)))) != nullptr; ++p)
      ++lines;
    last = buf[n - 1];
  }
  std::fclose(f);
  if (last != '\n') ++lines;  // a last line without its newline
  return lines > 0 ? lines - 1 : 0;
}

// This process's resident memory, for the debug log.
std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

const std::vector<std::string>& row_status_names() {
  static const std::vector<std::string> kNames = {"created", "updated", "unchanged", "skipped", "error", "not_imported"};
  return kNames;
}

void ImportRows::add(ImportRowResult&& r) {
  line.push_back(r.line);
  status.push_back(static_cast<std::uint8_t>(r.status));
  user.push_back(r.user);
  username.push_back(std::move(r.username));
  groups_added.push_back(std::move(r.groups_added));
  device_bound.push_back(std::move(r.device_bound));
}

void ImportRows::reserve(std::size_t n) {
  line.reserve(n);
  status.reserve(n);
  user.reserve(n);
  username.reserve(n);
  groups_added.reserve(n);
  device_bound.reserve(n);
}

ImportRowResult ImportRows::at(std::size_t i) const {
  return {line.at(i), username[i], static_cast<RowStatus>(status[i]), user[i], groups_added[i], device_bound[i]};
}

ImportReport import_users(ImportHost& host, Id org, const std::string& path, const ImportOptions& opt,
                          ImportReport rep) {
  const auto started = Clock::now();
  Progress progress(opt.progress);
  auto phase = [&, last = started](const char* name) mutable {
    const auto now = Clock::now();
    spdlog::debug("dirctl: import {}: {:.3f} s (resident {} MB)", name,
                  std::chrono::duration<double>(now - last).count(), resident_bytes() >> 20);
    last = now;
  };

  std::optional<UserRows> layout;
  std::size_t header_errors = 0;  // repeated columns, unknown ones when strict
  bool streaming = false;
  std::vector<ImportRow> staged;  // with passwords: every row, read before the lock
  std::optional<ImportRun> run;  // stopped before the host rolls back (the caller's, or abort_write here)
  std::size_t read = 0;
  const std::size_t expected = counted_rows(path);  // progress total; sizes the run (index deferral)
  auto start_run = [&](std::size_t expected_rows) {
    host.begin_write();
    run.emplace(host, org, opt, *layout, rep, header_errors > 0, expected_rows);
  };
  try {
    read_cells(
        path, opt, layout, rep, header_errors,
        [&] {
          streaming = opt.dry_run || !layout->has_passwords();
          if (streaming) start_run(expected);
        },
        [&](std::vector<ImportRow>&& rows) {
          for (auto& row : rows) {
            if (streaming)
              run->add(std::move(row));
            else
              staged.push_back(std::move(row));
            ++read;
            progress.tick(read, std::max(read, expected));
          }
        });
  } catch (const CsvSyntaxError& e) {
    run.reset();  // nothing of a broken file is kept: the transaction rolls back
    host.abort_write();
    std::vector<ImportIssue> warnings = std::move(rep.warnings);  // the header's, kept
    rep = ImportReport{};
    rep.warnings = std::move(warnings);
    rep.dry_run = opt.dry_run;
    rep.error_records.push_back({e.line(), "", "", e.detail()});
    rep.errors = 1;
    rep.duration = std::chrono::duration<double>(Clock::now() - started).count();
    return rep;
  }
  if (!layout)
    throw InvalidArgument("'" + path + "' is empty; its first line must be the header (FirstName, LastName, Username, Email, ...)");
  phase(streaming ? "read, check and write rows" : "read and check cells");
  if (!streaming) {
    std::vector<std::string> secrets;  // Argon2id on all cores, before taking the write lock
    secrets.reserve(staged.size());
    for (auto& r : staged) secrets.push_back(r.bad ? std::string() : std::move(r.password));
    hash_passwords(secrets);
    for (std::size_t i = 0; i < staged.size(); ++i) staged[i].password = std::move(secrets[i]);
    phase("hash passwords");
    rep.rows.reserve(staged.size());
    start_run(staged.size());
    for (std::size_t i = 0; i < staged.size(); ++i) {
      run->add(std::move(staged[i]));
      staged[i] = ImportRow{};
      progress.tick(i + 1, staged.size());
    }
    phase("check and write rows");
  }
  run->finish(path);
  phase(rep.written ? "indexes, memberships and commit" : "finish");
  progress.tick(run->rows_seen(), run->rows_seen(), true);
  rep.duration = std::chrono::duration<double>(Clock::now() - started).count();
  return rep;
}

}  // namespace dirctl
