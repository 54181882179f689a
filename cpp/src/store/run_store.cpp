#include "store/run_store.h"


#include "dirctl/error.h"
#include "store/review_store.h"
#include "store/store.h"
#include "util/json_text.h"

namespace dirctl {
namespace {

constexpr int kStdoutTruncated = 1, kStderrTruncated = 2;

std::int64_t state_code(RunState s) { return static_cast<std::int64_t>(s); }

// The columns of a run, with its launch's (r: runs, l: launches).
const char* const kRunColumns =
    "r.id, r.launch_id, r.org_id, r.command_id, r.device_id, r.state, r.queued_at, r.expires_at,"
    " r.started_at, r.started_by, r.finished_at, r.finished_by, r.exit_code, r.signal, r.truncated,"
    " l.requester_type, l.requester_id, l.requester_name, l.script, l.shell, l.run_as, l.timeout, l.variables";

std::string requester_text(ActorType type, Id id) {
  if (type == ActorType::kSystem) return "system";
  return std::string(actor_type_name(type)) + ":" + std::to_string(id);
}

Run read_run(sql::Statement& st, bool output) {
  Run r;
  int i = 0;
  auto text = [&](int c) { return st.getColumn(c).isNull() ? std::string() : st.getColumn(c).getString(); };
  auto opt_int = [&](int c) -> std::optional<int> {
    if (st.getColumn(c).isNull()) return std::nullopt;
    return st.getColumn(c).getInt();
  };
  r.id = st.getColumn(i++).getInt64();
  r.launch = st.getColumn(i++).getInt64();
  r.org = static_cast<Id>(st.getColumn(i++).getInt64());
  r.command = static_cast<Id>(st.getColumn(i++).getInt64());
  r.device = static_cast<Id>(st.getColumn(i++).getInt64());
  r.state = static_cast<RunState>(st.getColumn(i++).getInt());
  r.queued_at = st.getColumn(i++).getInt64();
  r.expires_at = st.getColumn(i++).getInt64();
  r.started_at = st.getColumn(i++).getInt64();  // NULL reads as 0
  r.started_by = text(i++);
  r.finished_at = st.getColumn(i++).getInt64();
  r.finished_by = text(i++);
  r.exit_code = opt_int(i++);
  r.signal = opt_int(i++);
  const int truncated = st.getColumn(i++).getInt();
  r.stdout_truncated = (truncated & kStdoutTruncated) != 0;
  r.stderr_truncated = (truncated & kStderrTruncated) != 0;
  const auto type = static_cast<ActorType>(st.getColumn(i++).getInt());
  r.requested_by = requester_text(type, static_cast<Id>(st.getColumn(i++).getInt64()));
  r.requester_name = text(i++);
  r.script = text(i++);
  r.shell = text(i++);
  r.run_as = text(i++);
  r.timeout_seconds = st.getColumn(i++).getInt64();
  r.variables = attributes_from_json(text(i++));
  if (output) {
    r.stdout_text = text(i++);
    r.stderr_text = text(i++);
  }
  return r;
}

// WHERE clause and binder of a filter, over runs r.
struct Where {
  std::string sql;
  std::vector<std::int64_t> values;
};

Where where_of(const RunFilter& f) {
  Where w{" WHERE 1 = 1", {}};
  auto add = [&](const char* clause, std::int64_t v) {
    w.sql += clause;
    w.values.push_back(v);
  };
  // By org alone, the rowid scan is already in order; the (org, command)
  // index would read every run at random and sort them ("+" keeps it out).
  if (f.org) add(f.command ? " AND r.org_id = ?" : " AND +r.org_id = ?", *f.org);
  if (f.command) add(" AND r.command_id = ?", *f.command);
  if (f.device) add(" AND r.device_id = ?", *f.device);
  if (f.launch) add(" AND r.launch_id = ?", *f.launch);
  if (f.state) add(" AND r.state = ?", state_code(*f.state));
  if (f.since_ms) add(" AND r.queued_at >= ?", *f.since_ms);
  return w;
}

void bind_all(sql::Statement& st, const Where& w) {
  int i = 1;
  for (std::int64_t v : w.values) st.bind(i++, v);
}

}  // namespace

std::int64_t RunStore::insert_launch(const LaunchRow& l, const std::vector<Id>& devices,
                                     std::vector<std::int64_t>& runs) {
  return guarded("cannot store the launch", [&] {
    auto& st = store_.statement(
        "INSERT INTO launches(org_id, command_id, requested_at, requester_type, requester_id, requester_name, script,"
        " shell, run_as, timeout, ttl, variables) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    int i = 1;
    st.bind(i++, static_cast<std::int64_t>(l.org));
    st.bind(i++, static_cast<std::int64_t>(l.command));
    st.bind(i++, l.requested_at);
    st.bind(i++, static_cast<int>(l.requester_type));
    st.bind(i++, static_cast<std::int64_t>(l.requester_id));
    st.bindNoCopy(i++, l.requester_name);
    st.bindNoCopy(i++, l.script);
    st.bindNoCopy(i++, l.shell);
    st.bindNoCopy(i++, l.run_as);
    st.bind(i++, l.timeout_seconds);
    st.bind(i++, l.ttl_seconds);
    st.bind(i++, attributes_to_json(l.variables));
    st.exec();
    const std::int64_t launch = store_.last_insert_id();
    auto& ins = store_.statement(
        "INSERT INTO runs(launch_id, org_id, command_id, device_id, queued_at, expires_at, state)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, launch);
    ins.bind(2, static_cast<std::int64_t>(l.org));
    ins.bind(3, static_cast<std::int64_t>(l.command));
    ins.bind(5, l.requested_at);
    ins.bind(6, l.requested_at + l.ttl_seconds * 1000);  // a reviewed run's is set when approved
    ins.bind(7, state_code(l.initial));
    runs.reserve(runs.size() + devices.size());
    for (Id device : devices) {
      ins.bind(4, static_cast<std::int64_t>(device));  // the other bindings stay
      ins.exec();
      ins.reset();
      runs.push_back(store_.last_insert_id());
    }
    return launch;
  });
}

std::optional<Launch> RunStore::launch(std::int64_t id) {
  return guarded("cannot read the launch", [&]() -> std::optional<Launch> {
    auto& st = store_.statement(
        "SELECT org_id, command_id, requested_at, requester_type, requester_id, requester_name, ttl FROM launches"
        " WHERE id = ?");
    st.bind(1, id);
    if (!st.executeStep()) return std::nullopt;
    Launch l;
    l.id = id;
    l.org = static_cast<Id>(st.getColumn(0).getInt64());
    l.command = static_cast<Id>(st.getColumn(1).getInt64());
    l.requested_at = st.getColumn(2).getInt64();
    l.requested_by = requester_text(static_cast<ActorType>(st.getColumn(3).getInt()),
                                    static_cast<Id>(st.getColumn(4).getInt64()));
    l.requester_name = st.getColumn(5).getString();
    l.ttl_seconds = st.getColumn(6).getInt64();
    auto& ids = store_.statement("SELECT id FROM runs WHERE launch_id = ? ORDER BY id");
    ids.bind(1, id);
    while (ids.executeStep()) l.runs.push_back(ids.getColumn(0).getInt64());
    auto& review = store_.statement("SELECT id FROM reviews WHERE launch_id = ?");
    review.bind(1, id);
    if (review.executeStep()) l.review = review.getColumn(0).getInt64();
    return l;
  });
}

std::optional<std::int64_t> RunStore::oldest_queued(Id device, std::int64_t now) {
  return guarded("cannot read the run queue", [&]() -> std::optional<std::int64_t> {
    auto& st = store_.statement(
        "SELECT id FROM runs WHERE device_id = ? AND state = 0 AND queued_at <= ? ORDER BY id LIMIT 1");
    st.bind(1, static_cast<std::int64_t>(device));
    st.bind(2, now);
    if (!st.executeStep()) return std::nullopt;
    return st.getColumn(0).getInt64();
  });
}

bool RunStore::start(std::int64_t run, const Stamp& stamp, std::int64_t deadline_at) {
  return guarded("cannot start the run", [&] {
    auto& st = store_.statement(
        "UPDATE runs SET state = 1, started_at = ?, started_by = ?, deadline_at = ? WHERE id = ? AND state = 0");
    st.bind(1, stamp.at);
    st.bindNoCopy(2, stamp.by);
    st.bind(3, deadline_at);
    st.bind(4, run);
    return st.exec() == 1;
  });
}

bool RunStore::finish(std::int64_t run, RunState from, RunState to, const Stamp& stamp, const RunReport* report) {
  return guarded("cannot end the run", [&] {
    if (report == nullptr) {
      auto& st = store_.statement(
          "UPDATE runs SET state = ?, finished_at = ?, finished_by = ? WHERE id = ? AND state = ?");
      st.bind(1, state_code(to));
      st.bind(2, stamp.at);
      st.bindNoCopy(3, stamp.by);
      st.bind(4, run);
      st.bind(5, state_code(from));
      return st.exec() == 1;
    }
    auto& st = store_.statement(
        "UPDATE runs SET state = ?, finished_at = ?, finished_by = ?, exit_code = ?, signal = ?, stdout = ?,"
        " stderr = ?, truncated = ? WHERE id = ? AND state = ?");
    int i = 1;
    st.bind(i++, state_code(to));
    st.bind(i++, stamp.at);
    st.bindNoCopy(i++, stamp.by);
    if (report->exit_code) st.bind(i++, *report->exit_code); else st.bind(i++);
    if (report->signal) st.bind(i++, *report->signal); else st.bind(i++);
    st.bindNoCopy(i++, report->stdout_text);
    st.bindNoCopy(i++, report->stderr_text);
    st.bind(i++, (report->stdout_truncated ? kStdoutTruncated : 0) | (report->stderr_truncated ? kStderrTruncated : 0));
    st.bind(i++, run);
    st.bind(i++, state_code(from));
    return st.exec() == 1;
  });
}

bool RunStore::anything_due(std::int64_t now) {
  return guarded("cannot read the run queue", [&] {
    auto& st = store_.statement(
        "SELECT EXISTS (SELECT 1 FROM runs WHERE state = 0 AND expires_at <= ?)"
        " OR EXISTS (SELECT 1 FROM runs WHERE state = 1 AND deadline_at < ?)");
    st.bind(1, now);
    st.bind(2, now);
    st.executeStep();
    return st.getColumn(0).getInt() != 0 || ReviewStore(store_).anything_due(now);
  });
}

std::size_t RunStore::sweep(std::int64_t now, const std::string& by) {
  ReviewStore(store_).expire_due(now, by);
  return guarded("cannot end overdue runs", [&] {
    auto& expire = store_.statement(
        "UPDATE runs SET state = 5, finished_at = expires_at, finished_by = ? WHERE state = 0 AND expires_at <= ?");
    expire.bindNoCopy(1, by);
    expire.bind(2, now);
    std::size_t n = static_cast<std::size_t>(expire.exec());
    auto& time_out = store_.statement(
        "UPDATE runs SET state = 4, finished_at = deadline_at, finished_by = ? WHERE state = 1 AND deadline_at < ?");
    time_out.bindNoCopy(1, by);
    time_out.bind(2, now);
    return n + static_cast<std::size_t>(time_out.exec());
  });
}

void RunStore::touch_device(Id device, const std::string& iso_time) {
  guarded("cannot note the device's contact", [&] {
    auto& st = store_.statement("UPDATE devices SET last_contact = ? WHERE id = ?");
    st.bindNoCopy(1, iso_time);
    st.bind(2, static_cast<std::int64_t>(device));
    st.exec();
  });
}

std::optional<Run> RunStore::run(std::int64_t id, bool output) {
  return guarded("cannot read the run", [&]() -> std::optional<Run> {
    auto& st = store_.statement(std::string("SELECT ") + kRunColumns + (output ? ", r.stdout, r.stderr" : "") +
                                " FROM runs r JOIN launches l ON l.id = r.launch_id WHERE r.id = ?");
    st.bind(1, id);
    if (!st.executeStep()) return std::nullopt;
    return read_run(st, output);
  });
}

std::vector<Run> RunStore::runs(const RunFilter& f) {
  const Where w = where_of(f);
  return guarded("cannot read runs", [&] {
    auto& st = store_.statement(std::string("SELECT ") + kRunColumns + (f.output ? ", r.stdout, r.stderr" : "") +
                                " FROM runs r JOIN launches l ON l.id = r.launch_id" + w.sql + " ORDER BY r.id");
    bind_all(st, w);
    std::vector<Run> out;
    while (st.executeStep()) out.push_back(read_run(st, f.output));
    return out;
  });
}

RunColumns RunStore::columns(const RunFilter& f) {
  const Where w = where_of(f);
  const std::string sql =
      "SELECT r.id, r.launch_id, r.org_id, r.command_id, r.device_id, r.state, r.queued_at, r.started_at,"
      " r.finished_at, r.exit_code, r.signal, l.requester_type, l.requester_id"
      " FROM runs r JOIN launches l ON l.id = r.launch_id" + w.sql + " ORDER BY r.id";
  // The statement's own accessors: this loop is the frame's whole cost.
  return guarded("cannot read runs", [&] {
    auto s = store_.prepare(sql);
    bind_all(*s, w);
    auto code = [&](int col) {
      return s->isColumnNull(col) ? kNoCode : static_cast<std::int32_t>(s->column_int64(col));
    };
    RunColumns c;
    while (s->executeStep()) {
      c.id.push_back(s->column_int64(0));
      c.launch.push_back(s->column_int64(1));
      c.org.push_back(static_cast<std::uint32_t>(s->column_int64(2)));
      c.command.push_back(static_cast<std::uint32_t>(s->column_int64(3)));
      c.device.push_back(static_cast<std::uint32_t>(s->column_int64(4)));
      c.state.push_back(static_cast<std::uint8_t>(s->column_int64(5)));
      c.queued_at.push_back(s->column_int64(6));
      c.started_at.push_back(s->column_int64(7));
      c.finished_at.push_back(s->column_int64(8));
      c.exit_code.push_back(code(9));
      c.signal.push_back(code(10));
      c.requester_type.push_back(static_cast<std::uint8_t>(s->column_int64(11)));
      c.requester_id.push_back(static_cast<std::uint32_t>(s->column_int64(12)));
    }
    return c;
  });
}

std::size_t RunStore::count(const RunFilter& f) {
  const Where w = where_of(f);
  return guarded("cannot count runs", [&] {
    auto& st = store_.statement("SELECT count(*) FROM runs r" + w.sql);
    bind_all(st, w);
    st.executeStep();
    return static_cast<std::size_t>(st.getColumn(0).getInt64());
  });
}

std::size_t RunStore::purge(std::optional<Id> org, std::int64_t before) {
  return guarded("cannot purge results", [&] {
    auto& st = store_.statement(org ? "DELETE FROM runs WHERE state BETWEEN 2 AND 6 AND finished_at < ? AND org_id = ?"
                                    : "DELETE FROM runs WHERE state BETWEEN 2 AND 6 AND finished_at < ?");
    st.bind(1, before);
    if (org) st.bind(2, static_cast<std::int64_t>(*org));
    const auto n = static_cast<std::size_t>(st.exec());
    if (n > 0)
      store_.statement("DELETE FROM launches WHERE NOT EXISTS (SELECT 1 FROM runs WHERE runs.launch_id = launches.id)")
          .exec();
    return n;
  });
}

}  // namespace dirctl
