// Schedules (dirctl/schedules.h): what is due, launching it once, triggers.
#include "dirctl/schedules.h"

#include <algorithm>

#include "authz/role_engine.h"
#include "commands/launching.h"
#include "commands/run_host.h"
#include "dirctl/error.h"
#include "schedule/command_schedule.h"
#include "store/schedule_store.h"
#include "util/clock.h"
#include "util/json_text.h"

namespace dirctl {
namespace {

constexpr std::int64_t kMaxCatchUpSteps = 1000000;  // fire times counted after a downtime, at most

CommandSchedule schedule_from(const ScheduleRow& r) {
  CommandSchedule s;
  s.command = r.command;
  s.org = r.org;
  s.launch_type = r.launch_type;
  s.schedule = r.schedule;
  s.timezone = r.timezone.empty() ? "UTC" : r.timezone;
  s.repeat = r.repeat;
  s.enabled = r.enabled;
  if (!r.start.empty()) s.start_ms = ms_of_timestamp(r.start);
  if (!r.until.empty()) s.until_ms = ms_of_timestamp(r.until);
  s.count = r.count;
  s.set_ms = ms_of_timestamp(r.updated).value_or(0);
  return s;
}

void system_only(RunHost& host, const Actor& actor, const char* event_type) {
  if (actor.type != ActorType::kSystem)
    host.refuse(actor, kNoId, event_type, "the scheduler runs from the directory's own handle (d.scheduler), not "
                                          "through an admin's or user's view");
}

// The newest fire time of a schedule due at `now`, and how many it stands for.
std::optional<DueFire> due_of(ScheduleStore& store, const CommandSchedule& s, std::int64_t now) {
  ScheduleTiming timing(s);
  if (!timing.fires()) return std::nullopt;
  const FireHistory h = store.history(s.command);
  if (s.count && h.fires >= *s.count) return std::nullopt;
  const std::int64_t baseline = std::max(h.last_fire.value_or(INT64_MIN), s.set_ms);
  auto next = timing.next_after(baseline);
  if (!next || *next > now) return std::nullopt;
  DueFire f{s.command, s.org, *next, 0};
  for (std::int64_t step = 0; step < kMaxCatchUpSteps; ++step) {
    next = timing.next_after(f.fire_at);
    if (!next || *next > now) break;
    f.fire_at = *next;
    ++f.missed;
  }
  return f;
}

std::vector<DueFire> all_due(RunHost& host, std::int64_t now) {
  ScheduleStore store(host.store());
  std::vector<DueFire> out;
  for (const ScheduleRow& row : store.scheduled()) {
    if (host.model().find(row.command) == nullptr) continue;
    try {
      if (auto f = due_of(store, schedule_from(row), now)) out.push_back(*f);
    } catch (const InvalidArgument&) {
      // A schedule stored before it was checked (an older file): it never fires.
    }
  }
  return out;
}

}  // namespace

std::vector<DueFire> Schedules::due(const Actor& actor, std::int64_t now) {
  std::vector<DueFire> out;
  host_.enter([&] {
    system_only(host_, actor, "schedule_read");
    out = all_due(host_, now);
  });
  return out;
}

std::vector<Fired> Schedules::tick(const Actor& actor, std::int64_t now) {
  std::vector<Fired> out;
  host_.enter([&] {
    system_only(host_, actor, "schedule_tick");
    if (all_due(host_, now).empty()) return;  // the common case: no write lock taken
    host_.write([&] {
      out.clear();
      ScheduleStore store(host_.store());
      for (const DueFire& f : all_due(host_, now)) {  // again, under the lock
        if (!store.claim(f.command, f.fire_at, now, f.missed)) continue;  // another process launched it
        Fired done{f, 0, ""};
        LaunchRequest req;
        req.command = f.command;
        try {
          LaunchPlan plan = plan_launch(host_, actor, req, now);
          plan.extra = {{"schedule_fire", "null", "\"" + iso_of_ms(f.fire_at) + "\""},
                        {"missed", "null", std::to_string(f.missed)}};
          done.launch = write_launch(host_, actor, plan).id;
        } catch (const InvalidArgument& e) {
          done.note = e.what();
        }
        store.settle(f.command, f.fire_at, done.launch ? std::optional<std::int64_t>(done.launch) : std::nullopt,
                     done.note);
        out.push_back(std::move(done));
      }
    });
  });
  return out;
}

std::optional<std::int64_t> Schedules::next_wakeup(const Actor& actor, std::int64_t now) {
  std::optional<std::int64_t> out;
  host_.enter([&] {
    system_only(host_, actor, "schedule_read");
    ScheduleStore store(host_.store());
    for (const ScheduleRow& row : store.scheduled()) {
      try {
        const CommandSchedule s = schedule_from(row);
        const FireHistory h = store.history(s.command);
        if (s.count && h.fires >= *s.count) continue;
        const auto next = ScheduleTiming(s).next_after(std::max({now, s.set_ms, h.last_fire.value_or(INT64_MIN)}));
        if (next && (!out || *next < *out)) out = next;
      } catch (const InvalidArgument&) {
      }
    }
  });
  return out;
}

std::vector<std::int64_t> Schedules::next_runs(const Actor& actor, Id command, std::size_t n,
                                               std::optional<std::int64_t> after) {
  std::vector<std::int64_t> out;
  host_.enter([&] {
    host_.require_visible(actor, command, "command_read");
    const Entity* e = host_.model().find(command);
    if (e == nullptr || e->kind != Kind::kCommand) throw NotFound("no command with id " + std::to_string(command));
    host_.authorize(actor, action_for(Scope::kCommands, Verb::kRead), command, "command_read");
    const Record rec = host_.record(command);
    const CommandSchedule s = schedule_of(command, e->org, rec.fields);
    const ScheduleTiming timing(s);
    const FireHistory h = ScheduleStore(host_.store()).history(command);
    std::int64_t left = s.count ? std::max<std::int64_t>(0, *s.count - h.fires) : static_cast<std::int64_t>(n);
    std::int64_t t = after.value_or(unix_now_ms());
    while (out.size() < n && left-- > 0) {
      const auto next = timing.next_after(t);
      if (!next) break;
      out.push_back(*next);
      t = *next;
    }
  });
  return out;
}

std::vector<Launch> Schedules::trigger(const Actor& actor, Id org, const std::string& name,
                                       const Variables& payload) {
  std::vector<Launch> out;
  host_.enter([&] {
    host_.require_visible(actor, org, "command_trigger");
    const Entity* o = host_.model().find(org);
    if (o == nullptr || o->kind != Kind::kOrg) throw NotFound("no org with id " + std::to_string(org));
    const std::vector<Id> commands = ScheduleStore(host_.store()).triggered(org, name);
    if (commands.empty())
      throw NotFound("no trigger command named '" + name + "' in " + host_.describe(org) +
                     "; give a command launch_type='trigger' and trigger='" + name + "' first");
    const std::int64_t now = unix_now_ms();
    std::vector<LaunchPlan> plans;
    for (Id c : commands) {
      LaunchRequest req;
      req.command = c;
      req.variables = payload;
      plans.push_back(plan_launch(host_, actor, req, now));  // every one authorised before any launches
      std::string quoted;
      append_json_string(quoted, name);
      plans.back().extra = {{"trigger", "null", quoted}};
    }
    host_.write([&] {
      out.clear();
      for (const LaunchPlan& p : plans) out.push_back(write_launch(host_, actor, p));
    });
  });
  return out;
}

}  // namespace dirctl
