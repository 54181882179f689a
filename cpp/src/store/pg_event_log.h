// PgEventLog: the audit event log on a PostgreSQL server, the first piece of
// the PostgreSQL store (issue #13), through libpqxx. It lives in store/ with
// the SQLite writer, whose column order (row_sql.h) it shares; it is built
// only with the tests and benchmarks (the Python module does not link
// libpqxx yet). Not yet behind the directory: its own tests drive it.
//
// Concurrency (the choice the store will make for every write): each write
// transaction first takes one transaction-level advisory lock, the writer
// lock, as BEGIN IMMEDIATE takes SQLite's. Writers on any number of machines
// are serialised; readers never wait. Under it:
// - `seq` is max(seq) + 1, read under the lock: gap-free (a rolled-back
//   transaction's numbers are taken again by the next) and in commit order
//   (the lock is released only after the commit is visible), so a reader can
//   never see event 11 before event 10 commits;
// - `time` is never earlier than the newest event's, so time order is also
//   commit order;
// - a NOTIFY on "dirctl_events" with the last seq is sent at commit, so a
//   waiting process (wait_past, which LISTENs while it waits) wakes without
//   polling.
// Write transactions set READ COMMITTED themselves (each statement after the
// lock must see every commit before it), whatever the server's default.
// Rules spanning rows (uniqueness per org, "at least one administrator with
// billing") then hold under many writers as they do on one file. SERIALIZABLE
// with retries was the other way; it would let writers of different orgs
// proceed together, but would need every read a rule makes to be tracked and
// every caller to accept retries, while the event sequence still needs one
// order of commits.
//
// A failure changes nothing: an append is one transaction, rolled back on any
// error, and a writer killed mid-transaction leaves nothing (the server rolls
// it back when its connection drops, which also frees the lock). A connection
// the server ends is opened again by the next call, which runs once more if
// the loss cut it short (not if it came while committing: that one may have
// been stored, and says so).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dirctl/event.h"

namespace dirctl {

class PgEventLog {
 public:
  // Connects (a libpq URL or key=value string) and creates the table if it
  // is missing (under the writer lock, so racing processes create it once).
  // Every failure of any method is a StorageError naming the server's
  // message; a commit whose outcome is unknown (the connection lost while
  // committing) says so.
  explicit PgEventLog(const std::string& url);
  ~PgEventLog();
  PgEventLog(const PgEventLog&) = delete;
  PgEventLog& operator=(const PgEventLog&) = delete;

  // Stores the events in one transaction under the writer lock, numbering
  // them and stamping their time; returns the seq of the last (the newest
  // seq when `events` is empty). A prepared INSERT each for a few events,
  // one COPY for 16 or more. `hold` keeps the transaction open that long
  // before committing (tests: a slow writer; a writer killed mid-transaction).
  std::int64_t append(const std::vector<Event>& events,
                      std::chrono::milliseconds hold = std::chrono::milliseconds(0));
  // Committed events with seq > after, in seq order, at most `limit`.
  std::vector<Event> after(std::int64_t after, int limit);
  // The newest committed seq (0 for an empty log).
  std::int64_t last_seq();
  // Waits until an event with seq > seen is committed, up to `timeout`;
  // true when one is. Listens for the log's notification, then looks.
  bool wait_past(std::int64_t seen, std::chrono::milliseconds timeout);
  // How many of the log's notifications wait_past() has received so far.
  std::int64_t notifications() const;

 private:
  struct Conn;
  // Runs f() on the connection; when the server has ended it, connects again
  // and runs f() once more (see the .cpp). Failures become StorageError.
  template <typename F>
  auto connected(const std::string& doing, F&& f) -> decltype(f());
  void reconnect();

  std::string url_;
  std::unique_ptr<Conn> c_;
  std::int64_t notifications_ = 0;
};

}  // namespace dirctl
