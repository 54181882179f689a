#include "store/schedule_store.h"


#include "store/store.h"

namespace dirctl {
namespace {

std::string text(sql::Statement& st, int c) {
  return st.getColumn(c).isNull() ? std::string() : st.getColumn(c).getString();
}

}  // namespace

std::vector<ScheduleRow> ScheduleStore::scheduled() {
  return guarded("cannot read schedules", [&] {
    auto& st = store_.statement(
        "SELECT id, org_id, launch_type, schedule, timezone, schedule_repeat_type, schedule_start, schedule_until,"
        " updated, enabled, schedule_count FROM commands"
        " WHERE enabled = 1 AND (launch_type = 'one-time' OR launch_type = 'repeated') ORDER BY id");
    std::vector<ScheduleRow> out;
    while (st.executeStep()) {
      ScheduleRow r;
      r.command = static_cast<Id>(st.getColumn(0).getInt64());
      r.org = static_cast<Id>(st.getColumn(1).getInt64());
      r.launch_type = text(st, 2);
      r.schedule = text(st, 3);
      r.timezone = text(st, 4);
      r.repeat = text(st, 5);
      r.start = text(st, 6);
      r.until = text(st, 7);
      r.updated = text(st, 8);
      r.enabled = st.getColumn(9).getInt() != 0;
      if (!st.getColumn(10).isNull()) r.count = st.getColumn(10).getInt64();
      out.push_back(std::move(r));
    }
    return out;
  });
}

FireHistory ScheduleStore::history(Id command) {
  return guarded("cannot read fire times", [&] {
    auto& st = store_.statement("SELECT max(fire_at), count(*) FROM schedule_fires WHERE command_id = ?");
    st.bind(1, static_cast<std::int64_t>(command));
    st.executeStep();
    FireHistory h;
    if (!st.getColumn(0).isNull()) h.last_fire = st.getColumn(0).getInt64();
    h.fires = st.getColumn(1).getInt64();
    return h;
  });
}

bool ScheduleStore::claim(Id command, std::int64_t fire_at, std::int64_t fired_at, std::int64_t missed) {
  return guarded("cannot claim a fire time", [&] {
    auto& st = store_.statement(
        "INSERT INTO schedule_fires(command_id, fire_at, fired_at, missed) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
    st.bind(1, static_cast<std::int64_t>(command));
    st.bind(2, fire_at);
    st.bind(3, fired_at);
    st.bind(4, missed);
    return st.exec() == 1;
  });
}

void ScheduleStore::settle(Id command, std::int64_t fire_at, std::optional<std::int64_t> launch,
                           const std::string& note) {
  guarded("cannot note a fire time's launch", [&] {
    auto& st =
        store_.statement("UPDATE schedule_fires SET launch_id = ?, note = ? WHERE command_id = ? AND fire_at = ?");
    if (launch) st.bind(1, *launch); else st.bind(1);
    st.bindNoCopy(2, note);
    st.bind(3, static_cast<std::int64_t>(command));
    st.bind(4, fire_at);
    st.exec();
  });
}

std::vector<Id> ScheduleStore::triggered(Id org, const std::string& name) {
  return guarded("cannot read triggers", [&] {
    static const std::string kSql[] = {
        std::string("SELECT id FROM commands WHERE org_id = ? AND launch_type = 'trigger' AND trigger_name = ?") +
            collate_nocase(Dialect::kSqlite) + " ORDER BY id",
        std::string("SELECT id FROM commands WHERE org_id = ? AND launch_type = 'trigger' AND trigger_name = ?") +
            collate_nocase(Dialect::kPostgres) + " ORDER BY id"};
    auto& st = store_.stable_statement(kSql[store_.dialect() == Dialect::kSqlite ? 0 : 1]);
    st.bind(1, static_cast<std::int64_t>(org));
    st.bindNoCopy(2, name);
    std::vector<Id> out;
    while (st.executeStep()) out.push_back(static_cast<Id>(st.getColumn(0).getInt64()));
    return out;
  });
}

}  // namespace dirctl
