#include "importer/background_writer.h"

namespace dirctl {

BackgroundWriter::BackgroundWriter(BulkUserWriter& writer) : writer_(writer), thread_([this] { run(); }) {
  batch_.reserve(kBatch);
}

BackgroundWriter::~BackgroundWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void BackgroundWriter::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    changed_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    Batch batch = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    lock.unlock();
    changed_.notify_all();  // room in the queue
    std::exception_ptr error;
    std::int64_t seq = 0;
    try {
      seq = writer_.write_batch(batch);
    } catch (...) {
      error = std::current_exception();
    }
    batch.clear();  // the rows' memory goes back outside the lock
    lock.lock();
    writing_ = false;
    if (seq != 0) last_seq_ = seq;
    if (error) {
      error_ = error;
      queue_.clear();
      changed_.notify_all();
      return;
    }
    changed_.notify_all();
  }
}

void BackgroundWriter::hand_over() {
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [&] { return error_ || queue_.size() < kQueued; });
  if (error_) std::rethrow_exception(error_);
  queue_.push_back(std::move(batch_));
  lock.unlock();
  changed_.notify_all();
  batch_ = Batch();
  batch_.reserve(kBatch);
}

void BackgroundWriter::add(BulkUserWriter::Pending&& user) {
  batch_.push_back(std::move(user));
  if (batch_.size() == kBatch) hand_over();
}

void BackgroundWriter::drain() {
  if (!batch_.empty()) hand_over();
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [&] { return error_ || (queue_.empty() && !writing_); });
  if (error_) std::rethrow_exception(error_);
}

}  // namespace dirctl
