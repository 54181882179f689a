// sql::Statement: one prepared statement of the store's connection, whichever
// database holds the directory (SQLite here, PostgreSQL on a server). Every
// store/ unit binds, steps and reads through it, so none of them knows which
// database it talks to; each connection implements it with its own library.
//
// Parameters are numbered from 1, in the order of the SQL's `?` marks (`?N`
// names the N-th). executeStep() runs the statement the
// first time and moves to the next row; false when there is none. Column
// values are valid until the next step or reset; NULL reads as 0 or "". Failures are sql::Error,
// with the database's code (SQLite's extended result code, or the nearest one
// for another database: BUSY for a lock not had in time, CONSTRAINT for a
// violated rule), which store/store.h turns into StorageError.
// Internal to store/. Not thread-safe.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dirctl {
// Which SQL a connection speaks, for the few texts that differ.
enum class Dialect { kSqlite, kPostgres };
// " COLLATE <case-insensitive>" in the dialect (store/pg_schema.h: dirctl_nocase).
inline const char* collate_nocase(Dialect d) {
  return d == Dialect::kSqlite ? " COLLATE NOCASE" : " COLLATE dirctl_nocase";
}
}  // namespace dirctl

namespace dirctl::sql {

// SQLite's primary result codes, the common vocabulary of every connection.
enum Code : int {
  kError = 1, kPerm = 3, kBusy = 5, kLocked = 6, kReadOnly = 8, kCorrupt = 11, kFull = 13, kCantOpen = 14,
  kConstraint = 19, kMisuse = 21, kNotADb = 26
};

class Error : public std::runtime_error {
 public:
  Error(const std::string& message, int code) : std::runtime_error(message), code_(code) {}
  int code() const noexcept { return code_; }  // extended: the primary code is code() & 0xff

 private:
  int code_;
};

class Statement;

// A value read from the current row, in the manner of SQLiteCpp's Column.
class Column {
 public:
  Column(const Statement& st, int index) : st_(st), i_(index) {}
  bool isNull() const;
  std::int64_t getInt64() const;
  int getInt() const { return static_cast<int>(getInt64()); }
  double getDouble() const;
  std::string getString() const { return std::string(view()); }
  std::string_view view() const;
  const char* getText() const { return view().data(); }  // NUL-terminated
  const void* getBlob() const { return view().data(); }
  int getBytes() const { return static_cast<int>(view().size()); }

 private:
  const Statement& st_;
  int i_;
};

class Statement {
 public:
  virtual ~Statement() = default;

  void bind(int i, std::int32_t v) { bind_int64(i, v); }
  void bind(int i, std::uint32_t v) { bind_int64(i, v); }
  void bind(int i, std::int64_t v) { bind_int64(i, v); }
  void bind(int i, double v) { bind_double(i, v); }
  void bind(int i, const std::string& v) { bind_text(i, v, true); }
  void bind(int i, const char* v) { bind_text(i, v, true); }
  void bind(int i, const void* blob, int size) {
    bind_blob(i, std::string_view(static_cast<const char*>(blob), static_cast<std::size_t>(size)));
  }
  void bind(int i) { bind_null(i); }
  // The text must outlive the statement's next step.
  void bindNoCopy(int i, const std::string& v) { bind_text(i, v, false); }
  void bindNoCopy(int i, std::string_view v) { bind_text(i, v, false); }

  virtual void bind_int64(int i, std::int64_t v) = 0;
  virtual void bind_double(int i, double v) = 0;
  virtual void bind_text(int i, std::string_view v, bool copy) = 0;
  virtual void bind_blob(int i, std::string_view bytes) = 0;
  virtual void bind_null(int i) = 0;

  virtual bool executeStep() = 0;
  // Runs a statement that returns no row; returns the rows it changed.
  virtual int exec() = 0;
  // Ends the current run (bindings stay): reset() throws a failure the
  // last step left unreported, tryReset() never throws.
  virtual void reset() = 0;
  virtual void tryReset() noexcept = 0;
  virtual void clearBindings() noexcept = 0;
  virtual const std::string& getQuery() const = 0;

  Column getColumn(int i) const { return Column(*this, i); }
  virtual bool isColumnNull(int i) const = 0;
  virtual std::int64_t column_int64(int i) const = 0;
  virtual double column_double(int i) const = 0;
  // Text, or a blob's bytes; valid until the next step.
  virtual std::string_view column_text(int i) const = 0;
  // One look at a value that may be NULL (a columnar read's whole cost):
  // false for NULL, else the value in `out`.
  virtual bool read_int64(int i, std::int64_t& out) const = 0;
  virtual bool read_text(int i, std::string_view& out) const = 0;
};

inline bool Column::isNull() const { return st_.isColumnNull(i_); }
inline std::int64_t Column::getInt64() const { return st_.column_int64(i_); }
inline double Column::getDouble() const { return st_.column_double(i_); }
inline std::string_view Column::view() const { return st_.column_text(i_); }

}  // namespace dirctl::sql
