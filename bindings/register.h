// The binding units of dirctl._core: one register_<concept> per file.
// bindings/ only converts types, releases the GIL and maps errors.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>

#include "dirctl/directory.h"
#include "dirctl/event.h"
#include "dirctl/record.h"

namespace dirctl::py_bindings {

namespace py = pybind11;

// One open file, shared by the system session and every view made from it.
// The mutex serialises threads, since the engine is not thread-safe and calls
// run with the GIL released. A batch belongs to the thread that opened it:
// until it ends, other threads' calls wait (up to the busy timeout, then
// StorageError), so they neither join the batch nor see its uncommitted rows.
struct PendingReason;
struct Handle {
  Handle(const std::string& path, OpenOptions options) : timeout_ms(options.busy_timeout_ms), dir(path, options) {}
  ~Handle();  // settles pending_reasons (the last reference: no lock needed)
  std::mutex mu;
  std::condition_variable batch_ended;
  std::uint64_t batch_owner = 0;  // guarded by mu: this_thread_token() of the batch's thread, 0 when none
  std::atomic<std::uint64_t> holder{0};  // the thread inside a call (a callback calling back in is refused)
  int timeout_ms;
  Directory dir;
  // Guarded by mu: decisions of check() whose reason is not written yet
  // (register_authz.cpp). Every Lease settles them before its call runs, so
  // each reason is computed on the model its check saw.
  std::vector<std::shared_ptr<PendingReason>> pending_reasons;
};

// Writes the reason of every pending decision still referenced, then forgets
// them all. REQUIRES: h.mu held by this thread (or h being destroyed).
void settle_reasons(Handle& h) noexcept;

// A number for the calling thread, never reused by another thread (unlike
// std::thread::id, which the C library recycles once a thread has ended).
std::uint64_t this_thread_token();

// What Python holds (_core.Directory): the shared handle and the actor every
// call acts as. The actor is fixed at creation; a session made for an admin,
// API key or user cannot reach the system actor (see Directory::act_as).
struct Session {
  std::shared_ptr<Handle> handle;
  Actor actor;
  bool restricted() const { return actor.type != ActorType::kSystem; }
};

// The handle's mutex, held by this thread for one call. Acquiring waits for
// another thread's batch to end (up to the timeout, then StorageError), and
// refuses a call from inside a call on the same thread (a progress callback
// that calls back into the handle) instead of deadlocking.
// REQUIRES: the GIL released.
class Lease {
 public:
  explicit Lease(Handle& h, bool wait_for_batch = true);
  ~Lease();
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

 private:
  Handle& h_;
  std::unique_lock<std::mutex> lock_;
};

// Runs f(directory) with the GIL released and the handle's mutex held.
template <typename F>
auto run(Session& s, F&& f) {
  py::gil_scoped_release release;
  Lease lease(*s.handle);
  return f(s.handle->dir);
}

// Runs f(service, actor) on one of the directory's services (runs, schedules,
// reviews) as run() does, acting as the session's actor.
template <typename Service, typename F>
auto service_call(Session& s, Service& (Directory::*service)(), F&& f) {
  const Actor actor = s.actor;
  return run(s, [&](Directory& d) { return f((d.*service)(), actor); });
}

void register_errors(py::module_& m);
void register_values(py::module_& m);
void register_directory(py::module_& m);
void register_events(py::module_& m);
void register_log(py::module_& m);

void register_authz(py::module_& m);
void register_graph(py::module_& m);
void register_import(py::module_& m);
void register_runs(py::module_& m);
void register_schedules(py::module_& m);
void register_reviews(py::module_& m);
void register_identity(py::module_& m);

// None -> system; ("admin" | "user" | "api_key", id) -> that actor.
Actor actor_arg(const py::object& actor);
// The subject of a check through a session: a restricted session answers
// only for its own actor (anything else is an audited acting_view denial).
Actor subject_arg(Session& s, const py::object& actor);
py::dict record_to_py(const Record& record);
py::list records_to_py(const std::vector<Record>& records);
py::dict event_to_py(const Event& event);
Kind kind_arg(const std::string& name);

}  // namespace dirctl::py_bindings
