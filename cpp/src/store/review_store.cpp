#include "store/review_store.h"


#include "store/store.h"

namespace dirctl {
namespace {

std::int64_t i64(Id id) { return static_cast<std::int64_t>(id); }

}  // namespace

std::optional<PolicyRow> ReviewStore::policy(Id command) {
  return guarded("cannot read the review policy", [&]() -> std::optional<PolicyRow> {
    auto& st = store_.statement("SELECT min_approvals, max_wait FROM review_policies WHERE command_id = ?");
    st.bind(1, i64(command));
    if (!st.executeStep()) return std::nullopt;
    PolicyRow p;
    p.command = command;
    p.min_approvals = st.getColumn(0).getInt64();
    p.max_wait = st.getColumn(1).getInt64();
    auto& g = store_.statement(
        "SELECT group_id, exempt FROM review_policy_groups WHERE command_id = ? ORDER BY group_id");
    g.bind(1, i64(command));
    while (g.executeStep())
      (g.getColumn(1).getInt() ? p.exempt : p.reviewers).push_back(static_cast<Id>(g.getColumn(0).getInt64()));
    return p;
  });
}

void ReviewStore::set_policy(const PolicyRow& p) {
  drop_policy(p.command);
  guarded("cannot store the review policy", [&] {
    auto& st = store_.statement("INSERT INTO review_policies(command_id, min_approvals, max_wait) VALUES (?, ?, ?)");
    st.bind(1, i64(p.command));
    st.bind(2, p.min_approvals);
    st.bind(3, p.max_wait);
    st.exec();
    auto& g = store_.statement("INSERT INTO review_policy_groups(command_id, group_id, exempt) VALUES (?, ?, ?)");
    for (int exempt = 0; exempt < 2; ++exempt)
      for (Id group : exempt ? p.exempt : p.reviewers) {
        g.bind(1, i64(p.command));
        g.bind(2, i64(group));
        g.bind(3, exempt);
        g.exec();
        g.reset();
      }
  });
}

bool ReviewStore::drop_policy(Id command) {
  return guarded("cannot remove the review policy", [&] {
    auto& g = store_.statement("DELETE FROM review_policy_groups WHERE command_id = ?");
    g.bind(1, i64(command));
    g.exec();
    auto& st = store_.statement("DELETE FROM review_policies WHERE command_id = ?");
    st.bind(1, i64(command));
    return st.exec() == 1;
  });
}

std::int64_t ReviewStore::open(std::int64_t launch, Id org, Id command, std::int64_t now, std::int64_t expires_at,
                               const std::vector<Id>& groups, std::int64_t needed) {
  return guarded("cannot open the review", [&] {
    auto& st = store_.statement(
        "INSERT INTO reviews(launch_id, org_id, command_id, requested_at, expires_at) VALUES (?, ?, ?, ?, ?)");
    st.bind(1, launch);
    st.bind(2, i64(org));
    st.bind(3, i64(command));
    st.bind(4, now);
    st.bind(5, expires_at);
    st.exec();
    const std::int64_t id = store_.last_insert_id();
    auto& g = store_.statement("INSERT INTO review_groups(review_id, group_id, needed) VALUES (?, ?, ?)");
    for (Id group : groups) {
      g.bind(1, id);
      g.bind(2, i64(group));
      g.bind(3, needed);
      g.exec();
      g.reset();
    }
    return id;
  });
}

std::optional<ReviewRow> ReviewStore::review(std::int64_t id) {
  return guarded("cannot read the review", [&]() -> std::optional<ReviewRow> {
    auto& st = store_.statement(
        "SELECT v.launch_id, v.org_id, v.command_id, v.state, v.requested_at, v.expires_at, v.decided_at,"
        " v.decided_by, l.requester_type, l.requester_id, l.requester_name, l.ttl"
        " FROM reviews v JOIN launches l ON l.id = v.launch_id WHERE v.id = ?");
    st.bind(1, id);
    if (!st.executeStep()) return std::nullopt;
    ReviewRow r;
    r.id = id;
    r.launch = st.getColumn(0).getInt64();
    r.org = static_cast<Id>(st.getColumn(1).getInt64());
    r.command = static_cast<Id>(st.getColumn(2).getInt64());
    r.state = st.getColumn(3).getInt();
    r.requested_at = st.getColumn(4).getInt64();
    r.expires_at = st.getColumn(5).getInt64();
    r.decided_at = st.getColumn(6).getInt64();
    r.decided_by = st.getColumn(7).isNull() ? std::string() : st.getColumn(7).getString();
    r.requester_type = static_cast<ActorType>(st.getColumn(8).getInt());
    r.requester = static_cast<Id>(st.getColumn(9).getInt64());
    r.requester_name = st.getColumn(10).getString();
    r.ttl_seconds = st.getColumn(11).getInt64();
    auto& g = store_.statement(
        "SELECT group_id, state, approvals, needed FROM review_groups WHERE review_id = ? ORDER BY group_id");
    g.bind(1, id);
    while (g.executeStep())
      r.groups.push_back({static_cast<Id>(g.getColumn(0).getInt64()), g.getColumn(1).getInt(),
                          g.getColumn(2).getInt64(), g.getColumn(3).getInt64()});
    auto& v = store_.statement(
        "SELECT voter_type, voter_id, approve, at, comment FROM review_votes WHERE review_id = ? ORDER BY at");
    v.bind(1, id);
    while (v.executeStep())
      r.votes.push_back({static_cast<ActorType>(v.getColumn(0).getInt()), static_cast<Id>(v.getColumn(1).getInt64()),
                         v.getColumn(2).getInt() != 0, v.getColumn(3).getInt64(), v.getColumn(4).getString()});
    return r;
  });
}

std::vector<std::int64_t> ReviewStore::reviews_of(Id org, std::optional<int> state) {
  return guarded("cannot read reviews", [&] {
    auto& st = store_.statement(state ? "SELECT id FROM reviews WHERE org_id = ? AND state = ? ORDER BY id"
                                      : "SELECT id FROM reviews WHERE org_id = ? ORDER BY id");
    st.bind(1, i64(org));
    if (state) st.bind(2, *state);
    std::vector<std::int64_t> out;
    while (st.executeStep()) out.push_back(st.getColumn(0).getInt64());
    return out;
  });
}

bool ReviewStore::vote(std::int64_t review, const VoteRow& v) {
  return guarded("cannot record the vote", [&] {
    auto& st = store_.statement(
        "INSERT INTO review_votes(review_id, voter_type, voter_id, approve, at, comment)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
    st.bind(1, review);
    st.bind(2, static_cast<int>(v.voter_type));
    st.bind(3, i64(v.voter));
    st.bind(4, v.approve ? 1 : 0);
    st.bind(5, v.at);
    st.bindNoCopy(6, v.comment);
    return st.exec() == 1;
  });
}

void ReviewStore::approve_group(std::int64_t review, Id group) {
  guarded("cannot count the approval", [&] {
    auto& st = store_.statement(
        "UPDATE review_groups SET approvals = approvals + 1,"
        " state = CASE WHEN approvals + 1 >= needed THEN 1 ELSE 0 END"
        " WHERE review_id = ? AND group_id = ? AND state = 0");
    st.bind(1, review);
    st.bind(2, i64(group));
    st.exec();
  });
}

void ReviewStore::reject_group(std::int64_t review, Id group) {
  guarded("cannot count the rejection", [&] {
    auto& st =
        store_.statement("UPDATE review_groups SET state = 2 WHERE review_id = ? AND group_id = ? AND state = 0");
    st.bind(1, review);
    st.bind(2, i64(group));
    st.exec();
  });
}

bool ReviewStore::decide(std::int64_t review, int to, std::int64_t at, const std::string& by) {
  return guarded("cannot decide the review", [&] {
    auto& st = store_.statement(
        "UPDATE reviews SET state = ?, decided_at = ?, decided_by = ? WHERE id = ? AND state = 0");
    st.bind(1, to);
    st.bind(2, at);
    st.bindNoCopy(3, by);
    st.bind(4, review);
    return st.exec() == 1;
  });
}

bool ReviewStore::anything_due(std::int64_t now) {
  return guarded("cannot read reviews", [&] {
    auto& st = store_.statement("SELECT EXISTS (SELECT 1 FROM reviews WHERE state = 0 AND expires_at <= ?)");
    st.bind(1, now);
    st.executeStep();
    return st.getColumn(0).getInt() != 0;
  });
}

std::size_t ReviewStore::expire_due(std::int64_t now, const std::string& by) {
  return guarded("cannot expire reviews", [&] {
    auto& runs = store_.statement(
        "UPDATE runs SET state = 5, finished_at = (SELECT expires_at FROM reviews WHERE launch_id = runs.launch_id),"
        " finished_by = ? WHERE state = 7 AND launch_id IN"
        " (SELECT launch_id FROM reviews WHERE state = 0 AND expires_at <= ?)");
    runs.bindNoCopy(1, by);
    runs.bind(2, now);
    runs.exec();
    auto& st = store_.statement(
        "UPDATE reviews SET state = 4, decided_at = expires_at, decided_by = ? WHERE state = 0 AND expires_at <= ?");
    st.bindNoCopy(1, by);
    st.bind(2, now);
    return static_cast<std::size_t>(st.exec());
  });
}

std::size_t ReviewStore::release_runs(std::int64_t launch, std::int64_t now, std::int64_t ttl_seconds) {
  return guarded("cannot queue the reviewed runs", [&] {
    auto& st = store_.statement(
        "UPDATE runs SET state = 0, queued_at = ?, expires_at = ? WHERE launch_id = ? AND state = 7");
    st.bind(1, now);
    st.bind(2, now + ttl_seconds * 1000);
    st.bind(3, launch);
    return static_cast<std::size_t>(st.exec());
  });
}

std::size_t ReviewStore::end_runs(std::int64_t launch, int run_state, std::int64_t at, const std::string& by) {
  return guarded("cannot end the reviewed runs", [&] {
    auto& st = store_.statement(
        "UPDATE runs SET state = ?, finished_at = ?, finished_by = ? WHERE launch_id = ? AND state = 7");
    st.bind(1, run_state);
    st.bind(2, at);
    st.bindNoCopy(3, by);
    st.bind(4, launch);
    return static_cast<std::size_t>(st.exec());
  });
}

}  // namespace dirctl
