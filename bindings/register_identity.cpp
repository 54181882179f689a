// Identity on _core.Directory: logins and sessions, API keys, TOTP,
// invitations, self-registration. A login or an API key yields a new
// session (a _core.Directory acting as the authenticated actor).
#include <pybind11/stl.h>

#include "dirctl/identity.h"
#include "register.h"

namespace dirctl::py_bindings {

using namespace pybind11::literals;

constexpr auto kIdentity = &Directory::identity;

namespace {

py::dict session_to_py(const SessionInfo& s) {
  return py::dict("id"_a = s.id, "principal"_a = s.actor.id, "portal"_a = s.portal, "created_ms"_a = s.created_ms,
                  "expires_ms"_a = s.expires_ms);
}

py::dict key_to_py(const ApiKeyInfo& k) {
  return py::dict("id"_a = k.id, "admin"_a = k.admin, "prefix"_a = k.prefix, "created_ms"_a = k.created_ms);
}

// A method on _core.Directory running `f(identity, actor)` as the session's actor.
template <typename F>
auto identity_call(Session& s, F&& f) {
  return service_call(s, kIdentity, std::forward<F>(f));
}

}  // namespace

void register_identity(py::module_& m) {
  auto dir = py::reinterpret_borrow<py::object>(m.attr("Directory"));
  auto def = [&](const char* name, py::cpp_function fn) { dir.attr(name) = std::move(fn); };
  def("login", py::cpp_function(
      [](Session& s, const std::string& email, const std::string& password, const std::string& totp,
         const std::string& invite, const std::string& portal, Id org) {
        LoginRequest rq{email, password, totp, invite, portal, org};
        const SessionInfo info = identity_call(s, [&](Identity& i, const Actor&) { return i.login(rq); });
        py::dict d = session_to_py(info);
        d["token"] = info.token;
        return py::make_tuple(Session{s.handle, info.actor}, d);
      },
      py::is_method(dir), "email"_a, "password"_a, "totp"_a = "", "invite"_a = "", "portal"_a = "", "org"_a = 0));
  def("resume", py::cpp_function(
      [](Session& s, const std::string& token) {
        const Actor a = identity_call(s, [&](Identity& i, const Actor&) { return i.resume(token); });
        return Session{s.handle, a};
      },
      py::is_method(dir), "token"_a));
  def("logout", py::cpp_function(
      [](Session& s) { identity_call(s, [&](Identity& i, const Actor& a) { i.logout(a); }); }, py::is_method(dir)));
  def("sessions", py::cpp_function(
      [](Session& s, Id principal) {
        const auto rows = identity_call(s, [&](Identity& i, const Actor& a) { return i.sessions(a, principal); });
        py::list out;
        for (const SessionInfo& r : rows) out.append(session_to_py(r));
        return out;
      },
      py::is_method(dir), "principal"_a));
  def("change_password", py::cpp_function(
      [](Session& s, const std::string& current, const std::string& next) {
        identity_call(s, [&](Identity& i, const Actor& a) { i.change_password(a, current, next); });
      },
      py::is_method(dir), "current"_a, "new"_a));
  def("resend_invite", py::cpp_function(
      [](Session& s, Id admin) { return identity_call(s, [&](Identity& i, const Actor& a) { return i.invite(a, admin); }); },
      py::is_method(dir), "admin"_a));
  def("unlock_admin", py::cpp_function(
      [](Session& s, Id admin) { identity_call(s, [&](Identity& i, const Actor& a) { i.unlock(a, admin); }); },
      py::is_method(dir), "admin"_a));
  def("enroll_totp", py::cpp_function(
      [](Session& s, Id p) { return identity_call(s, [&](Identity& i, const Actor& a) { return i.enroll_totp(a, p); }); },
      py::is_method(dir), "principal"_a));
  def("confirm_totp", py::cpp_function(
      [](Session& s, Id p, const std::string& code) {
        identity_call(s, [&](Identity& i, const Actor& a) { i.confirm_totp(a, p, code); });
      },
      py::is_method(dir), "principal"_a, "code"_a));
  def("reset_totp", py::cpp_function(
      [](Session& s, Id p) { identity_call(s, [&](Identity& i, const Actor& a) { i.reset_totp(a, p); }); },
      py::is_method(dir), "principal"_a));
  for (const char* verb : {"create", "rotate"}) {
    const bool create = std::string(verb) == "create";
    def(create ? "create_api_key" : "rotate_api_key", py::cpp_function(
        [create](Session& s, Id admin) {
          const ApiKeyInfo k = identity_call(s, [&](Identity& i, const Actor& a) {
            return create ? i.create_api_key(a, admin) : i.rotate_api_key(a, admin);
          });
          py::dict d = key_to_py(k);
          d["key"] = k.key;
          return d;
        },
        py::is_method(dir), "admin"_a));
  }
  def("revoke_api_key", py::cpp_function(
      [](Session& s, Id admin) { identity_call(s, [&](Identity& i, const Actor& a) { i.revoke_api_key(a, admin); }); },
      py::is_method(dir), "admin"_a));
  def("api_keys", py::cpp_function(
      [](Session& s, Id admin) {
        const auto rows = identity_call(s, [&](Identity& i, const Actor& a) { return i.api_keys(a, admin); });
        py::list out;
        for (const ApiKeyInfo& k : rows) out.append(key_to_py(k));
        return out;
      },
      py::is_method(dir), "admin"_a));
  def("with_api_key", py::cpp_function(
      [](Session& s, const std::string& key) {
        const Actor a = identity_call(s, [&](Identity& i, const Actor&) { return i.with_api_key(key); });
        return Session{s.handle, a};
      },
      py::is_method(dir), "key"_a));
  def("register_user", py::cpp_function(
      [](Session& s, Id org, const std::string& email, const std::string& name, const std::string& team,
         const std::vector<std::string>& groups) {
        return identity_call(s, [&](Identity& i, const Actor&) { return i.register_user(org, email, name, team, groups); });
      },
      py::is_method(dir), "org"_a, "email"_a, "name"_a, "team"_a = "", "groups"_a = std::vector<std::string>{}));
  def("approve_user", py::cpp_function(
      [](Session& s, Id user) { identity_call(s, [&](Identity& i, const Actor& a) { i.approve(a, user); }); },
      py::is_method(dir), "user"_a));
  def("reject_user", py::cpp_function(
      [](Session& s, Id user) { identity_call(s, [&](Identity& i, const Actor& a) { i.reject(a, user); }); },
      py::is_method(dir), "user"_a));
  py::reinterpret_borrow<py::class_<Session>>(dir).def_property_readonly(
      "credential", [](Session& s) { return s.actor.credential; },
      "The session or API key this handle acts through (0: none, a view the directory's handle made).");
  m.def("user_field_action", [](const std::string& field) { return action_name(user_field_action(field)); },
        "field"_a, "The action a change of this user field is authorised as (users.set_password, ...).");
}

}  // namespace dirctl::py_bindings
