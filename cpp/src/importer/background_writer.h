// BackgroundWriter: new users of an import written by a second thread, so
// that preparing rows (event text, model, report) overlaps SQLite's work.
//
// The importing thread hands over prepared users (in batches); one thread
// writes them in order through BulkUserWriter. While it runs it is the only
// user of the connection: the importing thread calls drain() before it
// touches the store itself. A failed write stops the thread; the next
// add() that hands over a batch, and drain(), rethrow its error, and the
// caller's transaction rolls back.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "store/bulk_user_writer.h"

namespace dirctl {

class BackgroundWriter {
 public:
  explicit BackgroundWriter(BulkUserWriter& writer);
  ~BackgroundWriter();  // stops and joins; work not yet written is dropped
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;

  void add(BulkUserWriter::Pending&& user);
  // Waits until everything handed over is written; rethrows a write's error.
  void drain();
  // The seq of the last event written (0 before any).
  std::int64_t last_seq() const { return last_seq_; }

 private:
  using Batch = std::vector<BulkUserWriter::Pending>;
  static constexpr std::size_t kBatch = 256, kQueued = 8;
  void run();
  void hand_over();

  BulkUserWriter& writer_;
  Batch batch_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Batch> queue_;
  bool writing_ = false, stop_ = false;
  std::exception_ptr error_;
  std::int64_t last_seq_ = 0;
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace dirctl
