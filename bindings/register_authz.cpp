// The role engine: Decision, check, check_many (numpy, GIL released), and the
// vocabulary (actions, rules, the role x scope matrix).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "dirctl/authz.h"
#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "register.h"

namespace dirctl::py_bindings {

using namespace pybind11::literals;

// A check's reason, written later: its Decision holds it, and so does the
// handle's pending list until the handle's next call (or its end) writes it.
// Invariant: `reason` is written once, under the handle's mutex, before
// `ready` turns true; it is then never written again, so a reader that saw
// `ready` (acquire) reads it without the lock.
struct PendingReason {
  Actor actor;
  ActionId action = 0;
  Id resource = kNoId;
  std::weak_ptr<Handle> handle;
  std::atomic<bool> ready{false};
  std::string reason;
};


void settle_reasons(Handle& h) noexcept {
  for (const std::shared_ptr<PendingReason>& p : h.pending_reasons) {
    if (p.use_count() == 1) continue;  // its Decision is gone: nobody can ask any more
    try {
      p->reason = h.dir.reason_unchanged(p->actor, p->action, p->resource);
    } catch (...) {  // only out of memory: the decision stands, without its sentence
      p->reason.clear();
    }
    p->ready.store(true, std::memory_order_release);
  }
  h.pending_reasons.clear();
}

Handle::~Handle() { settle_reasons(*this); }

namespace {

std::vector<Id> id_vector(const py::object& obj) {
  if (obj.is_none()) return {kNoId};
  if (py::isinstance<py::int_>(obj)) return {obj.cast<Id>()};
  auto arr = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(obj);
  if (!arr) throw InvalidArgument("check_many: expected ids (int, sequence or array), got " + std::string(py::repr(obj)));
  if (arr.ndim() == 0) arr = arr.reshape({1});  // a numpy scalar: one id
  if (arr.ndim() != 1)
    throw InvalidArgument("check_many: ids must be one-dimensional (an int, a sequence or a 1-D array), got " +
                          std::to_string(arr.ndim()) + " dimensions; flatten them first (ids.ravel())");
  std::vector<Id> out(static_cast<std::size_t>(arr.size()));
  auto r = arr.unchecked<1>();
  for (py::ssize_t i = 0; i < arr.size(); ++i) {
    const std::int64_t v = r(i);
    if (v < 0 || v > UINT32_MAX) throw InvalidArgument("check_many: id " + std::to_string(v) + " is out of range");
    out[static_cast<std::size_t>(i)] = static_cast<Id>(v);
  }
  return out;
}

std::vector<ActionId> action_vector(const py::object& obj) {
  if (py::isinstance<py::str>(obj)) return {action_id(obj.cast<std::string>())};
  std::vector<ActionId> out;
  std::unordered_map<std::string, ActionId> seen;
  for (const py::handle item : obj) {
    std::string name = py::cast<std::string>(item);
    auto it = seen.find(name);
    if (it == seen.end()) it = seen.emplace(name, action_id(name)).first;
    out.push_back(it->second);
  }
  return out;
}

// What Python holds as dirctl.Decision: the role engine's answer, with its
// reason either in `reason` or (from check()) still pending.
struct CheckDecision {
  bool allowed = false;
  Rule rule = Rule::kUnknownAction;
  std::string reason;
  std::shared_ptr<PendingReason> pending;  // null: `reason` is the reason
};

// The handle's mutex, taken only if free and without releasing the GIL, for
// work that reads no file. owns() is false, having done nothing, when another
// thread holds the mutex, another thread's batch is open, or this thread is
// already in a call (the caller then takes run()'s path, which waits or
// refuses as Lease does). It never waits while holding the GIL, so it cannot
// deadlock with a thread that holds the mutex and waits for the GIL.
class TryLease {
 public:
  explicit TryLease(Handle& h) : h_(h), lock_(h.mu, std::defer_lock) {
    const std::uint64_t me = this_thread_token();
    if (h.holder.load() == me || !lock_.try_lock()) return;  // (try_lock on a held mutex would be UB)
    if (h.batch_owner != 0 && h.batch_owner != me) {
      lock_.unlock();
      return;
    }
    h.holder.store(me);
    settle_reasons(h);  // as Lease does: before the model can change
  }
  ~TryLease() {
    if (lock_.owns_lock()) h_.holder.store(0);
  }
  TryLease(const TryLease&) = delete;
  TryLease& operator=(const TryLease&) = delete;
  bool owns() const { return lock_.owns_lock(); }

 private:
  Handle& h_;
  std::unique_lock<std::mutex> lock_;
};

// A decision of check() on the handle. An actor with a credential (a login
// session or key, whose expiry depends on the clock) gets its reason now;
// any other's reason depends on the model only, so it is left pending.
// REQUIRES: h.mu held, the model unchanged since the check.
CheckDecision decided(const std::shared_ptr<Handle>& h, const Actor& actor, ActionId action, Id resource,
                      const Decision& d) {
  if (actor.credential != 0) return CheckDecision{d.allowed, d.rule, d.reason, nullptr};
  auto p = std::make_shared<PendingReason>();
  p->actor = actor;
  p->action = action;
  p->resource = resource;
  p->handle = h;
  h->pending_reasons.push_back(p);
  return CheckDecision{d.allowed, d.rule, std::string(), std::move(p)};
}

// check() on the session: with the GIL held when the handle is free and the
// model current (no file read), else through run() (GIL released, catch-up).
CheckDecision check_on(Session& s, const Actor& actor, ActionId action, Id resource) {
  const bool explain = actor.credential != 0;
  {
    TryLease fast(*s.handle);
    if (fast.owns())
      if (std::optional<Decision> d = s.handle->dir.check_if_current(actor, action, resource, explain))
        return decided(s.handle, actor, action, resource, *d);
  }
  return run(s, [&](Directory& d) {
    return decided(s.handle, actor, action, resource, d.check_by_id(actor, action, resource, explain));
  });
}

// The action id of a name, looked up without copying it; false when unknown.
bool known_action(std::string_view name, ActionId& out) {
  static const std::unordered_map<std::string_view, ActionId> ids = [] {
    static std::vector<std::string> names;  // the map's keys point into these
    for (ActionId i = 0; i < action_count(); ++i) names.push_back(action_name(i));
    std::unordered_map<std::string_view, ActionId> m;
    for (ActionId i = 0; i < action_count(); ++i) m.emplace(names[i], i);
    return m;
  }();
  const auto it = ids.find(name);
  if (it == ids.end()) return false;
  out = it->second;
  return true;
}

// _core.Directory.check: the subject first (a view refuses other actors),
// then the decision; an unknown action raises as Directory::check does.
CheckDecision check_named(Session& s, const py::object& who, std::string_view action, Id resource) {
  const Actor actor = subject_arg(s, who);
  ActionId id = 0;
  if (known_action(action, id)) return check_on(s, actor, id, resource);
  const Decision d = run(s, [&](Directory& dir) { return dir.check(actor, std::string(action), resource); });
  return CheckDecision{d.allowed, d.rule, d.reason, nullptr};
}

// The reason of a decision, writing pending ones first (any call on the
// handle does: a free handle's mutex is taken with the GIL held, else waited
// for with it released).
const std::string& reason_of(const CheckDecision& d) {
  if (!d.pending) return d.reason;
  PendingReason& p = *d.pending;
  while (!p.ready.load(std::memory_order_acquire)) {
    std::shared_ptr<Handle> h = p.handle.lock();
    if (!h) {  // its last owner's destructor is writing it on another thread
      py::gil_scoped_release release;
      std::this_thread::yield();
      continue;
    }
    TryLease fast(*h);
    if (fast.owns()) break;
    py::gil_scoped_release release;
    Lease lease(*h);
  }
  return p.reason;
}

// Argument fast paths of Directory.check (directory.py): each says false for
// anything but the common exact types, which then go the Python way.
bool fast_resource(py::handle r, Id& out) {
  if (r.is_none()) {
    out = kNoId;
    return true;
  }
  if (!PyLong_CheckExact(r.ptr())) return false;  // bool, objects, numpy ints: args.object_id
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(r.ptr(), &overflow);
  if (overflow != 0 || v < 0 || v > static_cast<long long>(UINT32_MAX)) return false;  // its NotFound
  out = static_cast<Id>(v);
  return true;
}

bool fast_action(py::handle a, std::string_view& out) {
  if (!PyUnicode_CheckExact(a.ptr()) || !PyUnicode_IS_ASCII(a.ptr())) return false;  // args.text
  Py_ssize_t n = 0;
  const char* p = PyUnicode_AsUTF8AndSize(a.ptr(), &n);  // an ASCII str's own bytes: no copy
  if (p == nullptr) throw py::error_already_set();
  out = std::string_view(p, static_cast<std::size_t>(n));
  return true;
}

// An admin or user object's kind and id (Directory._actor_of's pair for
// it); false for any other object, view, session or id.
// dirctl.base.Object, as directory.py registers it (_set_object_type); until
// then null, and every object goes the Python way. Never freed.
PyObject* g_object_type = nullptr;

bool object_kind_id(PyObject* a, py::object& kind, py::object& id) {
  PyObject* object_type = g_object_type;
  if (object_type == nullptr) return false;
  static PyObject* kind_name = PyUnicode_InternFromString("kind");
  static PyObject* id_name = PyUnicode_InternFromString("id");
  const int is_object = PyObject_IsInstance(a, object_type);
  if (is_object < 0) throw py::error_already_set();
  if (is_object == 0) return false;
  kind = py::reinterpret_steal<py::object>(PyObject_GetAttr(a, kind_name));
  if (!kind) throw py::error_already_set();
  if (!PyUnicode_Check(kind.ptr()) || (PyUnicode_CompareWithASCIIString(kind.ptr(), "admin") != 0 &&
                                       PyUnicode_CompareWithASCIIString(kind.ptr(), "user") != 0))
    return false;
  id = py::reinterpret_steal<py::object>(PyObject_GetAttr(a, id_name));
  if (!id) throw py::error_already_set();
  return true;
}

// dirctl.Directory.check itself (directory.py binds it as the method): the
// arguments the Python wrapper would have passed to _core.Directory.check,
// made here for the common types; anything else goes through the wrapper's
// Python code (Directory._check_args), so its errors are exactly the same.
py::object directory_check(py::handle self, py::handle actor, py::handle action, py::handle resource) {
  Id rid = kNoId;
  std::string_view name;
  py::object who;
  py::object kind, id;
  if (actor.is_none() || PyTuple_CheckExact(actor.ptr())) who = py::reinterpret_borrow<py::object>(actor);
  else if (object_kind_id(actor.ptr(), kind, id)) who = py::make_tuple(kind, id);
  // `core` holds the session for the whole call: run() releases the GIL, and
  // another thread may meanwhile drop the view's last other reference to it.
  if (fast_resource(resource, rid) && fast_action(action, name) && who) {
    py::object core = self.attr("_core");
    return py::cast(check_named(core.cast<Session&>(), who, name, rid));
  }
  py::tuple args = self.attr("_check_args")(actor, action, resource);
  py::object core = self.attr("_core");
  return py::cast(check_named(core.cast<Session&>(), args[0], args[1].cast<std::string>(), args[2].cast<Id>()));
}

// The actor of a positional check() argument, for the common kinds only:
// None (system), an ("admin" | "user" | "api_key", id) tuple with an id in
// range, an admin or user object. False for anything else (errors included),
// which the general path then handles as before.
bool plain_actor(PyObject* a, Actor& out) {
  if (a == Py_None) {
    out = Actor::system();
    return true;
  }
  py::object kind, id;  // borrowed from the tuple, or the object's attributes
  if (PyTuple_CheckExact(a)) {
    if (PyTuple_GET_SIZE(a) != 2) return false;
    kind = py::reinterpret_borrow<py::object>(PyTuple_GET_ITEM(a, 0));
    id = py::reinterpret_borrow<py::object>(PyTuple_GET_ITEM(a, 1));
  } else if (!object_kind_id(a, kind, id)) {
    return false;
  }
  Id rid = kNoId;
  PyObject* k = kind.ptr();
  if (!PyUnicode_CheckExact(k) || !fast_resource(id, rid) || rid == kNoId) return false;
  if (PyUnicode_CompareWithASCIIString(k, "admin") == 0) out = Actor{ActorType::kAdmin, rid};
  else if (PyUnicode_CompareWithASCIIString(k, "user") == 0) out = Actor{ActorType::kUser, rid};
  else if (PyUnicode_CompareWithASCIIString(k, "api_key") == 0) out = Actor{ActorType::kApiKey, rid};
  else return false;
  return true;
}

// The session behind a dirctl.Directory (its _core attribute), or nullptr;
// `holder` then owns a reference to it, which the caller keeps for as long
// as it uses the session (the view's own may go while the GIL is released).
Session* session_of(PyObject* self, py::object& holder) {
  static PyObject* core_name = PyUnicode_InternFromString("_core");
  PyObject* core = PyObject_GetAttr(self, core_name);
  if (core == nullptr) {
    PyErr_Clear();
    return nullptr;
  }
  holder = py::reinterpret_steal<py::object>(core);
  py::detail::make_caster<Session> caster;
  if (!caster.load(holder, false)) return nullptr;
  return &py::detail::cast_op<Session&>(caster);
}

// Directory.check as Python calls it (METH_FASTCALL; `general` is
// directory_check). A positional call with plain arguments, whose subject a
// view may ask about (itself), goes straight to check_on, and the engine's
// errors are raised from there; anything else, and any failure while reading
// the arguments (it has changed nothing: a refusal that is audited never
// starts here), goes to `general`, which raises the usual errors.
PyObject* check_fastcall(PyObject* general, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  if (kwnames == nullptr && (nargs == 3 || nargs == 4)) {
    Id rid = kNoId;
    std::string_view name;
    Actor actor;
    ActionId action = 0;
    py::object core;  // owns the session through the call
    Session* s = nullptr;
    bool plain = false;
    try {
      plain = fast_resource(nargs == 4 ? args[3] : Py_None, rid) && fast_action(args[2], name) &&
              known_action(name, action) && plain_actor(args[1], actor) &&
              (s = session_of(args[0], core)) != nullptr &&
              (!s->restricted() || (actor.type == s->actor.type && actor.id == s->actor.id));
    } catch (...) {  // an argument the general path meets again, and raises as it always has
      PyErr_Clear();
      plain = false;
    }
    if (plain) {
      try {
        if (s->restricted()) actor = s->actor;  // the view itself, with its credential (subject_arg's rule)
        return py::cast(check_on(*s, actor, action, rid)).release().ptr();
      } catch (...) {  // the engine's own errors (a busy file, a closed one): raised once, as usual
        py::detail::try_translate_exceptions();
        return nullptr;
      }
    }
  }
  return PyObject_Vectorcall(general, args, static_cast<std::size_t>(nargs), kwnames);
}

}  // namespace

void register_authz(py::module_& m) {
  py::class_<CheckDecision>(m, "Decision", "The role engine's answer: truthy when allowed; rule and reason say why.")
      .def(py::init([](bool allowed, const std::string& rule, std::string reason) {
             for (int i = 0; i < kRuleCount; ++i)
               if (rule_name(static_cast<Rule>(i)) == rule)
                 return CheckDecision{allowed, static_cast<Rule>(i), std::move(reason), nullptr};
             throw InvalidArgument("unknown rule '" + rule + "'");
           }),
           "allowed"_a, "rule"_a, "reason"_a = "", "A decision (normally made by Directory.check).")
      .def_readonly("allowed", &CheckDecision::allowed, "True when the action is allowed.")
      .def_property_readonly("rule", [](const CheckDecision& d) { return std::string(rule_name(d.rule)); },
                             "The stable id of the rule that decided.")
      .def_property_readonly("reason", &reason_of, "A sentence naming actor, role, action, resource and why.")
      .def("__bool__", [](const CheckDecision& d) { return d.allowed; })
      .def("__repr__", [](const CheckDecision& d) {
        return std::string("<Decision ") + (d.allowed ? "allowed" : "denied") + " by " +
               std::string(rule_name(d.rule)) + ": " + reason_of(d) + ">";
      });

  auto dir = py::reinterpret_borrow<py::object>(m.attr("Directory"));
  dir.attr("check") = py::cpp_function(
      [](Session& h, const py::object& who, const std::string& action, Id resource) {
        return check_named(h, who, action, resource);
      },
      py::is_method(dir), "actor"_a, "action"_a, "resource"_a = 0,
      "Whether actor may do action (\"<scope>.<verb>\") on resource (0: the scope itself).");
  dir.attr("check_many") = py::cpp_function(
      [](Session& h, const py::object& actors, const py::object& actions, const py::object& resources, bool with_rules) {
        std::vector<Id> actor_ids = id_vector(actors);
        std::vector<ActionId> action_ids = action_vector(actions);
        std::vector<Id> resource_ids = id_vector(resources);
        const std::size_t n = std::max({actor_ids.size(), action_ids.size(), resource_ids.size()});
        py::array_t<bool> allowed(static_cast<py::ssize_t>(n));
        py::array_t<std::uint8_t> rules(with_rules ? static_cast<py::ssize_t>(n) : 0);
        auto* allowed_ptr = reinterpret_cast<std::uint8_t*>(allowed.mutable_data());
        std::uint8_t* rules_ptr = with_rules ? rules.mutable_data() : nullptr;
        if (h.restricted())  // a view answers only for its own actor
          for (Id id : actor_ids)
            if (id != h.actor.id) subject_arg(h, py::make_tuple(std::string(actor_type_name(h.actor.type)), id));
        run(h, [&](Directory& d) {
          std::vector<Actor> subjects = h.restricted() ? std::vector<Actor>{h.actor} : d.actors_for(actor_ids);
          if (h.restricted() && actor_ids.size() > 1) subjects.assign(actor_ids.size(), h.actor);
          d.check_many(subjects, action_ids, resource_ids, allowed_ptr, rules_ptr);
          return 0;
        });
        if (!with_rules) return py::object(allowed);
        return py::object(py::make_tuple(allowed, rules));
      },
      py::is_method(dir), "actors"_a, "actions"_a, "resources"_a, "with_rules"_a = false,
      "Many checks at once (GIL released): bool array, and rule ids (uint8) with with_rules.");
  dir.attr("actor_for") = py::cpp_function(
      [](Session& h, Id id, bool api_key) {
        if (h.restricted() && id != h.actor.id)  // a view names no actor but its own
          throw NotFound("no admin or user with id " + std::to_string(id) + " that this view may name");
        Actor a = run(h, [&](Directory& d) { return d.actor_for(id, api_key); });
        return py::make_tuple(std::string(actor_type_name(a.type)), a.id);
      },
      py::is_method(dir), "id"_a, "api_key"_a = false, "The (type, id) actor for an admin or user id.");

  // An instancemethod (binds self when read from an instance), for
  // directory.py to make Directory.check; see directory_check().
  py::cpp_function method(&directory_check, py::name("check"), "self"_a, "actor"_a, "action"_a,
                          "resource"_a = py::none(),
                          "Whether actor (admin, user, view, or None for system) may do action on resource.\n"
                          "Returns a Decision: truthy when allowed, with .rule and .reason.");
  static PyMethodDef fast_def = {"check", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&check_fastcall)),
                                  METH_FASTCALL | METH_KEYWORDS, nullptr};
  static const std::string doc = py::str(method.attr("__doc__"));  // __doc__ is a new str on each read
  fast_def.ml_doc = doc.c_str();
  py::object fast = py::reinterpret_steal<py::object>(PyCFunction_New(&fast_def, method.ptr()));
  if (!fast) throw py::error_already_set();
  m.attr("_directory_check_general") = method;
  m.attr("directory_check") = py::reinterpret_steal<py::object>(PyInstanceMethod_New(fast.ptr()));
  m.def("_set_object_type", [](py::object type) {
    Py_XDECREF(g_object_type);
    g_object_type = type.release().ptr();
  }, "type"_a, "Registers dirctl.base.Object, whose admin and user instances check() takes as actors.");
  m.def("action_names", [] {
    std::vector<std::string> out;
    for (ActionId i = 0; i < action_count(); ++i) out.push_back(action_name(i));
    return out;
  }, "Every action the role engine knows, as \"<scope>.<verb>\".");
  m.def("rule_names", [] {
    std::vector<std::string> out;
    for (int i = 0; i < kRuleCount; ++i) out.emplace_back(rule_name(static_cast<Rule>(i)));
    return out;
  }, "Rule ids, indexed as in check_many's rule array.");
  m.def("matrix_access", [](const std::string& role, const std::string& scope) {
    const auto& roles = role_names();
    auto it = std::find(roles.begin(), roles.end(), role);
    if (it == roles.end()) throw InvalidArgument("unknown role '" + role + "'");
    for (int s = 0; s < kScopeCount; ++s)
      if (scope_name(static_cast<Scope>(s)) == scope)
        return std::string(access_name(matrix_access(static_cast<std::uint8_t>(it - roles.begin()), static_cast<Scope>(s))));
    throw InvalidArgument("unknown scope '" + scope + "'");
  }, "role"_a, "scope"_a, "The built-in matrix cell: none, read, edit, assigned or launch_if_allowed.");
  m.def("protected_action_names", &protected_action_names, "The protected user actions (docs/spec/protected_user_actions.csv).");
}

}  // namespace dirctl::py_bindings
