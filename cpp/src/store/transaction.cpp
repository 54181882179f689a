#include "store/transaction.h"

#include "store/store.h"

namespace dirctl {

Transaction::Transaction(Store& store) : store_(store) { store_.begin(); }

Transaction::~Transaction() {
  if (!done_) store_.rollback();
}

std::int64_t Transaction::commit() {
  try {
    const std::int64_t version = store_.data_version();  // under the lock: see the header
    store_.commit();
    done_ = true;
    return version;
  } catch (...) {
    store_.rollback();
    done_ = true;
    throw;
  }
}

Savepoint::Savepoint(Store& store, const char* name) : store_(store), name_(name) { store_.savepoint(name_); }

Savepoint::~Savepoint() {
  if (!done_) store_.rollback_to(name_);
}

void Savepoint::release() {
  store_.release(name_);
  done_ = true;
}

}  // namespace dirctl
