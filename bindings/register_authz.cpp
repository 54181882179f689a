// The role engine: Decision, check, check_many (numpy, GIL released), and the
// vocabulary (actions, rules, the role x scope matrix).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <unordered_map>

#include "dirctl/authz.h"
#include "dirctl/error.h"
#include "dirctl/kinds.h"
#include "register.h"

namespace dirctl::py_bindings {

using namespace pybind11::literals;

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

}  // namespace

void register_authz(py::module_& m) {
  py::class_<Decision>(m, "Decision", "The role engine's answer: truthy when allowed; rule and reason say why.")
      .def(py::init([](bool allowed, const std::string& rule, std::string reason) {
             for (int i = 0; i < kRuleCount; ++i)
               if (rule_name(static_cast<Rule>(i)) == rule) return Decision{allowed, static_cast<Rule>(i), std::move(reason)};
             throw InvalidArgument("unknown rule '" + rule + "'");
           }),
           "allowed"_a, "rule"_a, "reason"_a = "", "A decision (normally made by Directory.check).")
      .def_readonly("allowed", &Decision::allowed, "True when the action is allowed.")
      .def_property_readonly("rule", [](const Decision& d) { return std::string(rule_name(d.rule)); },
                             "The stable id of the rule that decided.")
      .def_readonly("reason", &Decision::reason, "A sentence naming actor, role, action, resource and why.")
      .def("__bool__", [](const Decision& d) { return d.allowed; })
      .def("__repr__", [](const Decision& d) {
        return std::string("<Decision ") + (d.allowed ? "allowed" : "denied") + " by " +
               std::string(rule_name(d.rule)) + ": " + d.reason + ">";
      });

  auto dir = py::reinterpret_borrow<py::object>(m.attr("Directory"));
  dir.attr("check") = py::cpp_function(
      [](Session& h, const py::object& who, const std::string& action, Id resource) {
        const Actor actor = subject_arg(h, who);
        return run(h, [&](Directory& d) { return d.check(actor, action, resource); });
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
