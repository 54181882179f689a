#include "store/change_probe.h"

#include <sqlite3.h>

#include <atomic>
#include <cstddef>

namespace dirctl {
namespace {

constexpr int kWalIndexRegion = 32768;  // SQLite's wal-index region size (WALINDEX_PGSZ)
constexpr std::size_t kWords = 6;       // 48 bytes: one WalIndexHdr
constexpr std::size_t kIsInitByte = 12;  // u32 iVersion, u32 unused, u32 iChange, u8 isInit

}  // namespace

ChangeProbe::ChangeProbe(sqlite3* db) {
  if (db == nullptr) return;
  // Only a file in WAL mode has a wal-index ("" is :memory: or a temp file).
  const char* file = sqlite3_db_filename(db, "main");
  if (file == nullptr || file[0] == '\0') return;
  sqlite3_stmt* st = nullptr;
  bool wal = false;
  if (sqlite3_prepare_v2(db, "PRAGMA main.journal_mode", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    const auto* mode = sqlite3_column_text(st, 0);
    wal = mode != nullptr && sqlite3_stricmp(reinterpret_cast<const char*>(mode), "wal") == 0;
  }
  sqlite3_finalize(st);
  if (!wal) return;
  sqlite3_file* fd = nullptr;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &fd) != SQLITE_OK || fd == nullptr ||
      fd->pMethods == nullptr || fd->pMethods->iVersion < 2 || fd->pMethods->xShmMap == nullptr)
    return;
  // bExtend = 0: only the region SQLite has mapped already (a heap wal-index,
  // under locking_mode=EXCLUSIVE, has none and leaves the probe inert).
  void volatile* region = nullptr;
  if (fd->pMethods->xShmMap(fd, 0, kWalIndexRegion, 0, &region) != SQLITE_OK || region == nullptr) return;
  header_ = static_cast<const volatile std::uint64_t*>(region);
}

ChangeProbe::Mark ChangeProbe::mark() const {
  Mark m;
  if (header_ == nullptr) return m;
  std::array<std::uint64_t, kWords> second{};
  // As SQLite reads it: copy [0], a barrier, then copy [1]. A writer stores
  // [1] first and [0] last, so a read that overlaps a commit sees the copies
  // differ (or sees the old header whole: the commit is not done yet).
  for (std::size_t i = 0; i < kWords; ++i) m.header[i] = header_[i];
  std::atomic_thread_fence(std::memory_order_acquire);
  for (std::size_t i = 0; i < kWords; ++i) second[i] = header_[kWords + i];
  const auto* bytes = reinterpret_cast<const unsigned char*>(m.header.data());
  m.valid = m.header == second && bytes[kIsInitByte] != 0;
  return m;
}

bool ChangeProbe::unchanged_since(const Mark& m) const {
  if (!m.valid || header_ == nullptr) return false;
  const Mark now = mark();
  return now.valid && now.header == m.header;
}

}  // namespace dirctl
