// CommandRuns (dirctl/command_runs.h): authorisation and audit around the
// run store, through the RunHost.
#include "dirctl/command_runs.h"

#include <algorithm>

#include "authz/role_engine.h"
#include "commands/launch_plan.h"
#include "commands/launching.h"
#include "commands/run_host.h"
#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "store/run_store.h"
#include "util/clock.h"

namespace dirctl {
namespace {

FieldChange change(const char* name, const std::string& json) { return {name, "null", json}; }

std::string run_ref(std::int64_t run) { return "run " + std::to_string(run); }

// Fills the display names of a run's command and device.
Run& named(const Model& model, Run& r) {
  const Entity* c = model.find(r.command);
  const Entity* d = model.find(r.device);
  r.command_name = c != nullptr ? std::string(c->name) : std::string();
  r.device_name = d != nullptr ? std::string(d->name) : std::string();
  return r;
}

[[noreturn]] void not_running(const Run& r, const char* doing) {
  throw InvalidState(run_ref(r.id) + " is " + std::string(run_state_name(r.state)) + ", so it cannot be " + doing +
                     (run_state_final(r.state) ? "; it ended at " + iso_of_ms(r.finished_at) + " (by " +
                                                     r.finished_by + ")"
                                               : std::string()));
}

}  // namespace

Launch CommandRuns::launch(const Actor& actor, const LaunchRequest& req) {
  Launch out;
  host_.enter([&] {
    const LaunchPlan plan = plan_launch(host_, actor, req, clock_for(actor, req.now_ms));
    host_.write([&] { out = write_launch(host_, actor, plan); });
  });
  return out;
}

namespace {

// Reads a run for an actor: it must exist and the actor must read its command.
Run readable_run(RunHost& host, const Actor& actor, std::int64_t id, bool output, const char* event_type) {
  auto r = RunStore(host.store()).run(id, output);
  if (!r) throw NotFound("no " + run_ref(id));
  host.require_visible(actor, r->command, event_type);
  host.authorize(actor, action_for(Scope::kCommands, Verb::kRead), r->command, event_type);
  return *r;
}

// The engine's sweep, when anything is overdue (a read path writes only then).
void sweep_due(RunHost& host, std::int64_t now) {
  RunStore runs(host.store());
  if (!runs.anything_due(now)) return;
  host.write([&] { runs.sweep(now, "system"); });
}

}  // namespace

Launch CommandRuns::get_launch(const Actor& actor, std::int64_t id) {
  Launch out;
  host_.enter([&] {
    auto l = RunStore(host_.store()).launch(id);
    if (!l) throw NotFound("no launch " + std::to_string(id));
    host_.require_visible(actor, l->command, "command_result_read");
    host_.authorize(actor, action_for(Scope::kCommands, Verb::kRead), l->command, "command_result_read");
    out = std::move(*l);
  });
  return out;
}

Run CommandRuns::get(const Actor& actor, std::int64_t id, bool output) {
  Run out;
  host_.enter([&] {
    sweep_due(host_, unix_now_ms());
    out = readable_run(host_, actor, id, output, "command_result_read");
    named(host_.model(), out);
  });
  return out;
}

namespace {

// The filter as an actor may use it, and which commands it may read (empty:
// all, for the system actor).
std::vector<Id> readable_commands(RunHost& host, const Actor& actor, const RunFilter& f) {
  if (actor.type == ActorType::kSystem) return {};
  if (!f.org) throw InvalidArgument("name the org whose results to read (org.commands.results)");
  host.require_visible(actor, *f.org, "command_result_read");
  if (f.command) {
    host.require_visible(actor, *f.command, "command_result_read");
    host.authorize(actor, action_for(Scope::kCommands, Verb::kRead), *f.command, "command_result_read");
    return {*f.command};
  }
  host.authorize(actor, action_for(Scope::kCommands, Verb::kRead), *f.org, "command_result_read");
  std::vector<Id> ids;
  for (Id c : host.model().ids_of(Kind::kCommand, *f.org))
    if (host.allowed(actor, action_for(Scope::kCommands, Verb::kRead), c)) ids.push_back(c);
  if (ids.empty()) ids.push_back(kNoId);  // none: matches no run
  return ids;
}

template <typename Rows, typename Keep>
void keep_readable(Rows& rows, const std::vector<Id>& commands, Keep keep) {
  if (commands.empty()) return;
  keep(rows, [&](Id c) { return std::binary_search(commands.begin(), commands.end(), c); });
}

}  // namespace

std::vector<Run> CommandRuns::results(const Actor& actor, const RunFilter& filter) {
  std::vector<Run> out;
  host_.enter([&] {
    sweep_due(host_, unix_now_ms());
    const std::vector<Id> commands = readable_commands(host_, actor, filter);
    out = RunStore(host_.store()).runs(filter);
    keep_readable(out, commands, [](std::vector<Run>& rows, auto ok) {
      rows.erase(std::remove_if(rows.begin(), rows.end(), [&](const Run& r) { return !ok(r.command); }), rows.end());
    });
    for (Run& r : out) named(host_.model(), r);
  });
  return out;
}

RunColumns CommandRuns::columns(const Actor& actor, const RunFilter& filter) {
  RunColumns out;
  host_.enter([&] {
    sweep_due(host_, unix_now_ms());
    const std::vector<Id> commands = readable_commands(host_, actor, filter);
    out = RunStore(host_.store()).columns(filter);
    keep_readable(out, commands, [](RunColumns& c, auto ok) {
      std::size_t w = 0;
      for (std::size_t r = 0; r < c.id.size(); ++r) {
        if (!ok(c.command[r])) continue;
        c.id[w] = c.id[r], c.launch[w] = c.launch[r], c.org[w] = c.org[r], c.command[w] = c.command[r];
        c.device[w] = c.device[r], c.state[w] = c.state[r], c.queued_at[w] = c.queued_at[r];
        c.started_at[w] = c.started_at[r], c.finished_at[w] = c.finished_at[r], c.exit_code[w] = c.exit_code[r];
        c.signal[w] = c.signal[r], c.requester_type[w] = c.requester_type[r], c.requester_id[w] = c.requester_id[r];
        ++w;
      }
      for (auto* v : {&c.id, &c.launch, &c.queued_at, &c.started_at, &c.finished_at}) v->resize(w);
      for (auto* v : {&c.org, &c.command, &c.device, &c.requester_id}) v->resize(w);
      for (auto* v : {&c.state, &c.requester_type}) v->resize(w);
      c.exit_code.resize(w);
      c.signal.resize(w);
    });
    for (const auto* ids : {&out.command, &out.device, &out.requester_id})
      out.named.insert(out.named.end(), ids->begin(), ids->end());
    std::sort(out.named.begin(), out.named.end());
    out.named.erase(std::unique(out.named.begin(), out.named.end()), out.named.end());
    if (!out.named.empty() && out.named.front() == kNoId) out.named.erase(out.named.begin());  // the system
    for (Id id : out.named) {
      const Entity* e = host_.model().find(id);
      out.names.emplace_back(e != nullptr ? std::string(e->name) : std::string());
    }
  });
  return out;
}

std::size_t CommandRuns::pending(const Actor& actor, std::int64_t launch) {
  std::size_t n = 0;
  host_.enter([&] {
    sweep_due(host_, unix_now_ms());
    auto l = RunStore(host_.store()).launch(launch);
    if (!l) throw NotFound("no launch " + std::to_string(launch));
    host_.require_visible(actor, l->command, "command_result_read");
    host_.authorize(actor, action_for(Scope::kCommands, Verb::kRead), l->command, "command_result_read");
    RunStore runs(host_.store());
    RunFilter f;
    f.launch = launch;
    for (RunState st : {RunState::kQueued, RunState::kRunning, RunState::kPendingReview}) {
      f.state = st;
      n += runs.count(f);
    }
  });
  return n;
}

void CommandRuns::cancel(const Actor& actor, std::int64_t id) {
  host_.enter([&] {
    const std::int64_t now = unix_now_ms();
    sweep_due(host_, now);
    const Run r = readable_run(host_, actor, id, false, "command_run_cancel");
    host_.authorize(actor, action_for(Scope::kCommands, Verb::kRun), r.command, "command_run_cancel");
    if (run_state_final(r.state)) not_running(r, "cancelled");
    host_.write([&] {
      if (!RunStore(host_.store()).finish(id, r.state, RunState::kCancelled, {now, actor_text(actor)}, nullptr))
        not_running(*RunStore(host_.store()).run(id, false), "cancelled");  // another process moved it first
      Event e = host_.event(actor, "command_run_cancel", r.org, r.command);
      e.changes = {change("run", std::to_string(id)),
                   {"state", "\"" + std::string(run_state_name(r.state)) + "\"", "\"cancelled\""}};
      host_.append(e);
    });
  });
}

std::size_t CommandRuns::cancel_launch(const Actor& actor, std::int64_t launch) {
  std::size_t n = 0;
  host_.enter([&] {
    const std::int64_t now = unix_now_ms();
    sweep_due(host_, now);
    RunStore runs(host_.store());
    auto l = runs.launch(launch);
    if (!l) throw NotFound("no launch " + std::to_string(launch));
    host_.require_visible(actor, l->command, "command_run_cancel");
    host_.authorize(actor, action_for(Scope::kCommands, Verb::kRun), l->command, "command_run_cancel");
    host_.write([&] {
      n = 0;
      RunFilter f;
      f.launch = launch;
      f.output = false;
      for (const Run& r : runs.runs(f))
        if (!run_state_final(r.state) &&
            runs.finish(r.id, r.state, RunState::kCancelled, {now, actor_text(actor)}, nullptr))
          ++n;
      Event e = host_.event(actor, "command_run_cancel", l->org, l->command);
      e.changes = {change("launch", std::to_string(launch)), change("cancelled", std::to_string(n))};
      host_.append(e);
    });
  });
  return n;
}

std::optional<Run> CommandRuns::next_run(const Actor& actor, Id device, const std::string& agent,
                                         std::optional<std::int64_t> now_ms) {
  std::optional<Run> out;
  host_.enter([&] {
    if (actor.type != ActorType::kSystem)
      host_.refuse(actor, device, "agent_poll",
                   "an agent acts for a device, from the directory's own handle (d.agent(device)), not through an "
                   "admin's or user's view");
    const std::int64_t now = clock_for(actor, now_ms);
    const Entity* e = host_.model().find(device);
    if (e == nullptr || e->kind != Kind::kDevice) throw NotFound("no device with id " + std::to_string(device));
    RunStore runs(host_.store());
    host_.write([&] {
      out.reset();
      if (runs.anything_due(now)) runs.sweep(now, "system");
      runs.touch_device(device, iso_of_ms(now));
      std::optional<std::int64_t> id;
      Run r;
      while ((id = runs.oldest_queued(device, now))) {
        r = *runs.run(*id, false);
        if (host_.model().find(r.command) != nullptr) break;
        // Its command was deleted: nobody can read or cancel it any more, so it never runs.
        runs.finish(*id, RunState::kQueued, RunState::kCancelled, {now, "system"}, nullptr);
      }
      if (!id) return;
      const std::int64_t deadline = now + r.timeout_seconds * 1000 + kReportGraceMs;
      if (!runs.start(*id, {now, "agent:" + agent}, deadline)) return;  // cannot happen under the write lock
      r.state = RunState::kRunning;
      r.started_at = now;
      r.started_by = "agent:" + agent;
      out = std::move(named(host_.model(), r));
    });
  });
  return out;
}

Run CommandRuns::report(const Actor& actor, Id device, const std::string& agent, const RunReport& rep) {
  Run out;
  host_.enter([&] {
    if (actor.type != ActorType::kSystem)
      host_.refuse(actor, device, "agent_report",
                   "an agent acts for a device, from the directory's own handle (d.agent(device)), not through an "
                   "admin's or user's view");
    const std::int64_t now = clock_for(actor, rep.now_ms);
    if (rep.exit_code.has_value() == rep.signal.has_value() && !rep.timed_out)
      throw InvalidArgument("report run " + std::to_string(rep.run) + " with either an exit code or a signal");
    if (rep.signal && (*rep.signal < 1 || *rep.signal > 128))
      throw InvalidArgument("signal " + std::to_string(*rep.signal) + " is not a signal number (1-128)");
    RunStore runs(host_.store());
    sweep_due(host_, now);  // committed apart: a refused late report must not undo it
    host_.write([&] {
      auto r = runs.run(rep.run, false);
      if (!r || r->device != device)
        throw NotFound("no " + run_ref(rep.run) + " for " + host_.describe(device));
      if (r->state != RunState::kRunning) not_running(*r, "reported");
      RunState to = rep.exit_code == 0 && !rep.signal ? RunState::kSucceeded : RunState::kFailed;
      if (rep.timed_out || now > r->started_at + r->timeout_seconds * 1000) to = RunState::kTimedOut;
      runs.finish(rep.run, RunState::kRunning, to, {now, "agent:" + agent}, &rep);
      runs.touch_device(device, iso_of_ms(now));
      out = *runs.run(rep.run, true);
      named(host_.model(), out);
    });
  });
  return out;
}

std::size_t CommandRuns::sweep(const Actor& actor, std::optional<std::int64_t> now_ms) {
  std::size_t n = 0;
  host_.enter([&] {
    if (actor.type != ActorType::kSystem)
      host_.refuse(actor, kNoId, "command_run_sweep", "only the directory's own handle sweeps the run queue");
    const std::int64_t now = clock_for(actor, now_ms);
    RunStore runs(host_.store());
    if (!runs.anything_due(now)) return;
    host_.write([&] { n = runs.sweep(now, "system"); });
  });
  return n;
}

std::size_t CommandRuns::purge(const Actor& actor, std::optional<Id> org, std::int64_t before_ms) {
  std::size_t total = 0;
  host_.enter([&] {
    if (!org && actor.type != ActorType::kSystem)
      throw InvalidArgument("name the org whose results to purge");
    IdList orgs = org ? IdList{*org} : host_.orgs_of(actor);
    for (auto o : orgs) {
      const Id id = static_cast<Id>(o);
      host_.require_visible(actor, id, "command_results_purge");
      const Entity* e = host_.model().find(id);
      if (e == nullptr || e->kind != Kind::kOrg) throw NotFound("no org with id " + std::to_string(id));
      host_.authorize(actor, action_for(Scope::kCommands, Verb::kEdit), id, "command_results_purge");
    }
    RunStore runs(host_.store());
    host_.write([&] {
      total = 0;
      for (auto o : orgs) {
        const std::size_t n = runs.purge(static_cast<Id>(o), before_ms);
        total += n;
        if (n == 0) continue;
        Event e = host_.event(actor, "command_results_purge", static_cast<Id>(o), static_cast<Id>(o));
        e.changes = {change("older_than", "\"" + iso_of_ms(before_ms) + "\""), change("runs", std::to_string(n))};
        host_.append(e);
      }
    });
  });
  return total;
}

}  // namespace dirctl
