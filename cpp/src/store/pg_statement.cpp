#include "store/pg_statement.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>
#include <regex>

#include "store/pg_schema.h"

namespace dirctl {
namespace {

constexpr Oid kInt8 = 20, kFloat8 = 701, kBytea = 17, kBool = 16;

int code_of(const char* state) {
  if (state == nullptr || *state == '\0') return 10;  // SQLITE_IOERR: no answer from the server
  const std::string s(state);
  if (s == "40001" || s == "40P01" || s == "55P03" || s == "57014") return sql::kBusy;
  if (s.rfind("23", 0) == 0) return sql::kConstraint;
  if (s.rfind("08", 0) == 0 || s.rfind("57P", 0) == 0) return 10;  // connection lost or server shutting down
  if (s == "42501") return sql::kPerm;
  if (s == "53100") return sql::kFull;
  return sql::kError;
}

std::string hex_decode(std::string_view t) {
  // bytea's text form: \x followed by two hex digits a byte.
  std::string out;
  if (t.size() < 2 || t[0] != '\\' || t[1] != 'x') return std::string(t);
  out.reserve((t.size() - 2) / 2);
  auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (std::size_t i = 2; i + 1 < t.size(); i += 2) out.push_back(static_cast<char>(nib(t[i]) << 4 | nib(t[i + 1])));
  return out;
}

}  // namespace

void throw_pg(pg_conn* conn, pg_result* result, const std::string& what) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg = result != nullptr ? PQresultErrorMessage(result) : "";
  if (msg.empty() && conn != nullptr) msg = PQerrorMessage(conn);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  const int code = code_of(state);
  if (state != nullptr) msg += " (SQLSTATE " + std::string(state) + ")";
  PQclear(result);
  throw sql::Error(what.empty() ? msg : what + ": " + msg, code);
}

std::string pg_sql(const std::string& sql, bool* returns_key) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 0;
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      out += c;
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c != '?') {
      out += c;
      continue;
    }
    std::size_t j = i + 1;
    while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') ++j;
    if (j > i + 1) {
      const int n = std::atoi(sql.c_str() + i + 1);
      out += "$" + std::to_string(n);
      next = std::max(next, n);
      i = j - 1;
    } else {
      out += "$" + std::to_string(++next);
    }
  }
  *returns_key = false;
  static const std::regex insert(R"re(^\s*INSERT\s+INTO\s+"?(\w+)"?)re", std::regex::icase);
  std::smatch m;
  if (std::regex_search(out, m, insert) && out.find("RETURNING") == std::string::npos) {
    const auto& keys = pg_schema().keys;
    if (const auto it = keys.find(m[1]); it != keys.end()) {
      out += " RETURNING " + it->second;
      *returns_key = true;
    }
  }
  return out;
}

PgStatement::PgStatement(PgSession& session, std::string sql) : s_(session), sql_(std::move(sql)) {
  pg_sql_ = pg_sql(sql_, &returns_key_);
  static const std::regex read(R"(^\s*(SELECT|WITH)\b)", std::regex::icase);
  static const std::regex write(R"(\b(INSERT|UPDATE|DELETE|NOTIFY|pg_notify|setval)\b)", std::regex::icase);
  reads_only_ = std::regex_search(pg_sql_, read) && !std::regex_search(pg_sql_, write);
}

PgStatement::~PgStatement() {
  PQclear(result_);
  if (!prepared_ || prepared_in_ != s_.generation || s_.conn == nullptr || PQstatus(s_.conn) != CONNECTION_OK) return;
  if (!s_.in_txn && !s_.pipelined)
    PQclear(PQexec(s_.conn, ("DEALLOCATE " + name_).c_str()));
  else
    s_.stale.push_back(name_);  // freed when the transaction ends (a report's statements: many)
}

void pg_deallocate_stale(PgSession& s) noexcept {
  if (s.stale.empty() || s.in_txn || s.pipelined || PQstatus(s.conn) != CONNECTION_OK) return;
  std::string sql;
  for (const auto& name : s.stale) sql += "DEALLOCATE " + name + ";";
  PQclear(PQexec(s.conn, sql.c_str()));
  s.stale.clear();
}

PgStatement::Param& PgStatement::param(int i) {
  if (i < 1) throw sql::Error("parameter index " + std::to_string(i) + " out of range", sql::kError);
  if (static_cast<std::size_t>(i) > params_.size()) params_.resize(static_cast<std::size_t>(i));
  return params_[static_cast<std::size_t>(i - 1)];
}

void PgStatement::bind_int64(int i, std::int64_t v) {
  Param& p = param(i);
  p.value = std::to_string(v);
  p.null = false;
  p.format = 0;
  if (!prepared_ && p.type == 0) p.type = kInt8;
}

void PgStatement::bind_double(int i, double v) {
  Param& p = param(i);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  p.value = buf;
  p.null = false;
  p.format = 0;
  if (!prepared_ && p.type == 0) p.type = kFloat8;
}

void PgStatement::bind_text(int i, std::string_view v, bool) {
  Param& p = param(i);
  p.value.assign(v.data(), v.size());
  p.null = false;
  p.format = 0;
}

void PgStatement::bind_blob(int i, std::string_view bytes) {
  Param& p = param(i);
  p.value.assign(bytes.data(), bytes.size());
  p.null = false;
  p.format = 1;
  if (!prepared_) p.type = kBytea;
}

void PgStatement::bind_null(int i) { param(i).null = true; }

bool pg_reconnect_if_lost(PgSession& s) {
  if (PQstatus(s.conn) == CONNECTION_OK) return false;
  PQreset(s.conn);
  if (PQstatus(s.conn) != CONNECTION_OK) throw_pg(s.conn, nullptr, "the server ended the connection and it could not be made again");
  ++s.generation;
  if (!s.setup_sql.empty()) {
    PGresult* r = PQexec(s.conn, s.setup_sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) throw_pg(s.conn, r);
    PQclear(r);
  }
  return true;
}

void pg_pipeline_sync(PgSession& s) {
  if (PQpipelineSync(s.conn) != 1) throw_pg(s.conn, nullptr, "cannot send to the server");
  PGresult* failed = nullptr;
  bool lost = false;
  for (const bool returns_key : s.awaited) {
    PGresult* r = PQgetResult(s.conn);
    if (r == nullptr) {  // the connection is gone, or the answers are out of step
      lost = true;
      break;
    }
    const auto st = PQresultStatus(r);
    if (st == PGRES_FATAL_ERROR && failed == nullptr) {
      failed = r;
      r = nullptr;
    } else if (returns_key && st == PGRES_TUPLES_OK && PQntuples(r) > 0) {
      s.last_insert_id = std::strtoll(PQgetvalue(r, PQntuples(r) - 1, 0), nullptr, 10);
    }
    PQclear(r);
    PQclear(PQgetResult(s.conn));  // the NULL that ends each answer
  }
  s.awaited.clear();
  if (failed != nullptr || lost) {
    // Statements first prepared inside the pipeline may not exist on the
    // server (the rest of a failed pipeline is skipped): prepare all again.
    ++s.generation;
  }
  if (lost) {
    PQclear(failed);
    throw_pg(s.conn, nullptr, "lost the answers of a pipeline");
  }
  PGresult* sync = PQgetResult(s.conn);  // PGRES_PIPELINE_SYNC
  const bool synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
  PQclear(sync);
  if (failed != nullptr) throw_pg(s.conn, failed);
  if (!synced) throw_pg(s.conn, nullptr, "a pipeline did not end where expected");
}

void PgStatement::prepare() {
  if (s_.pipelined) {
    name_ = "s" + std::to_string(++s_.next_name);
    std::vector<Oid> types;
    for (const Param& p : params_) types.push_back(p.type);
    if (PQsendPrepare(s_.conn, name_.c_str(), pg_sql_.c_str(), static_cast<int>(types.size()),
                      types.empty() ? nullptr : types.data()) != 1)
      throw_pg(s_.conn, nullptr);
    s_.awaited.push_back(false);
    prepared_ = true;
    prepared_in_ = s_.generation;
    return;
  }
  name_ = "s" + std::to_string(++s_.next_name);
  std::vector<Oid> types;
  for (const Param& p : params_) types.push_back(p.type);
  PGresult* r = PQprepare(s_.conn, name_.c_str(), pg_sql_.c_str(), static_cast<int>(types.size()),
                          types.empty() ? nullptr : types.data());
  if (PQresultStatus(r) != PGRES_COMMAND_OK) throw_pg(s_.conn, r);
  PQclear(r);
  prepared_ = true;
  prepared_in_ = s_.generation;
}

void PgStatement::run() {
  if (done_) throw sql::Error("statement already run; reset it first", sql::kMisuse);
  const bool idle = !s_.pipelined && !s_.in_txn;
  if (idle) pg_reconnect_if_lost(s_);
  if (!prepared_ || prepared_in_ != s_.generation) prepare();
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const Param& p : params_) {
    values.push_back(p.null ? nullptr : p.value.data());
    lengths.push_back(static_cast<int>(p.value.size()));
    formats.push_back(p.format);
  }
  PQclear(result_);
  result_ = nullptr;
  if (s_.pipelined) {  // sent now, answered at the next sync point
    if (PQsendQueryPrepared(s_.conn, name_.c_str(), static_cast<int>(values.size()), values.data(), lengths.data(),
                            formats.data(), 0) != 1)
      throw_pg(s_.conn, nullptr);
    s_.awaited.push_back(returns_key_);
    done_ = true;
    rows_ = 0;
    // Bounded: answers left unread would fill the server's send buffer, and
    // then ours, and both would wait.
    if (s_.awaited.size() >= 512) pg_pipeline_sync(s_);
    return;
  }
  result_ = PQexecPrepared(s_.conn, name_.c_str(), static_cast<int>(values.size()), values.data(), lengths.data(),
                           formats.data(), 0);
  auto st = PQresultStatus(result_);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && idle && reads_only_ && PQstatus(s_.conn) != CONNECTION_OK) {
    // A read lost outside a transaction: once more, on a new connection (a
    // write is never run twice: it may have committed before the loss).
    PQclear(result_);
    result_ = nullptr;
    pg_reconnect_if_lost(s_);
    prepare();
    result_ = PQexecPrepared(s_.conn, name_.c_str(), static_cast<int>(values.size()), values.data(), lengths.data(),
                             formats.data(), 0);
    st = PQresultStatus(result_);
  }
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    pg_result* r = result_;
    result_ = nullptr;
    throw_pg(s_.conn, r);
  }
  done_ = true;
  row_ = -1;
  rows_ = PQntuples(result_);
  if (returns_key_ && rows_ > 0) s_.last_insert_id = std::strtoll(PQgetvalue(result_, rows_ - 1, 0), nullptr, 10);
}

bool PgStatement::executeStep() {
  if (s_.pipelined) throw sql::Error("a statement read rows inside a pipeline", sql::kMisuse);
  if (result_ == nullptr || !done_) run();
  if (row_ + 1 >= rows_) {
    row_ = rows_;
    return false;
  }
  ++row_;
  decoded_.clear();
  return true;
}

int PgStatement::exec() {
  run();
  if (s_.pipelined) return 0;  // not known until the sync point
  if (returns_key_) return rows_;
  const char* n = PQcmdTuples(result_);
  return n != nullptr && *n != '\0' ? std::atoi(n) : 0;
}

void PgStatement::tryReset() noexcept {
  PQclear(result_);
  result_ = nullptr;
  done_ = false;
  row_ = -1;
  rows_ = 0;
}

void PgStatement::clearBindings() noexcept {
  for (Param& p : params_) p.null = true;
}

bool PgStatement::isColumnNull(int i) const {
  return result_ == nullptr || row_ < 0 || row_ >= rows_ || PQgetisnull(result_, row_, i) != 0;
}

bool PgStatement::read_text(int i, std::string_view& out) const {
  if (isColumnNull(i)) return false;
  const char* v = PQgetvalue(result_, row_, i);
  const std::string_view t(v, static_cast<std::size_t>(PQgetlength(result_, row_, i)));
  if (PQftype(result_, i) == kBytea) {
    if (decoded_.size() <= static_cast<std::size_t>(i)) decoded_.resize(static_cast<std::size_t>(i) + 1);
    decoded_[static_cast<std::size_t>(i)] = hex_decode(t);
    out = decoded_[static_cast<std::size_t>(i)];
    return true;
  }
  out = t;
  return true;
}

bool PgStatement::read_int64(int i, std::int64_t& out) const {
  if (isColumnNull(i)) return false;
  const char* v = PQgetvalue(result_, row_, i);
  if (PQftype(result_, i) == kBool)
    out = *v == 't' ? 1 : 0;
  else
    out = std::strtoll(v, nullptr, 10);
  return true;
}

std::int64_t PgStatement::column_int64(int i) const {
  std::int64_t v = 0;
  return read_int64(i, v) ? v : 0;
}

double PgStatement::column_double(int i) const {
  return isColumnNull(i) ? 0.0 : std::strtod(PQgetvalue(result_, row_, i), nullptr);
}

std::string_view PgStatement::column_text(int i) const {
  std::string_view t;
  return read_text(i, t) ? t : std::string_view("", 0);
}

}  // namespace dirctl
