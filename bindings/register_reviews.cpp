// Reviews on _core.Directory: policies, listing, votes (times as ms since the epoch).
#include <pybind11/stl.h>

#include "dirctl/reviews.h"
#include "register.h"

namespace dirctl::py_bindings {

using namespace pybind11::literals;

constexpr auto kReviews = &Directory::reviews;

namespace {

py::dict review_to_py(const Review& r) {
  py::list groups, votes;
  for (const ReviewGroup& g : r.groups)
    groups.append(py::dict("group"_a = g.group, "name"_a = g.name, "state"_a = g.state, "approvals"_a = g.approvals,
                           "needed"_a = g.needed));
  for (const ReviewVote& v : r.votes)
    votes.append(py::dict("voter"_a = v.voter, "voter_name"_a = v.voter_name, "approve"_a = v.approve, "at"_a = v.at,
                          "comment"_a = v.comment));
  return py::dict("id"_a = r.id, "launch"_a = r.launch, "org"_a = r.org, "command"_a = r.command,
                  "command_name"_a = r.command_name, "state"_a = r.state, "requested_by"_a = r.requested_by,
                  "requester_name"_a = r.requester_name, "requested_at"_a = r.requested_at,
                  "expires_at"_a = r.expires_at,
                  "decided_at"_a = r.decided_at ? py::object(py::int_(r.decided_at)) : py::none(),
                  "decided_by"_a = r.decided_by, "groups"_a = groups, "votes"_a = votes);
}

}  // namespace

void register_reviews(py::module_& m) {
  auto dir = py::reinterpret_borrow<py::object>(m.attr("Directory"));
  dir.attr("set_review_policy") = py::cpp_function(
      [](Session& s, Id command, std::optional<std::vector<Id>> reviewers, std::vector<Id> exempt,
         std::int64_t min_approvals, std::int64_t wait) {
        std::optional<ReviewPolicy> p;
        if (reviewers) p = ReviewPolicy{*reviewers, std::move(exempt), min_approvals, wait};
        service_call(s, kReviews, [&](Reviews& r, const Actor& a) { r.set_policy(a, command, p); });
      },
      py::is_method(dir), "command"_a, "reviewers"_a, "exempt"_a = std::vector<Id>{}, "min_approvals"_a = 1,
      "wait"_a = 86400);
  dir.attr("review_policy") = py::cpp_function(
      [](Session& s, Id command) -> py::object {
        const auto p = service_call(s, kReviews, [&](Reviews& r, const Actor& a) { return r.policy(a, command); });
        if (!p) return py::none();
        return py::dict("reviewers"_a = p->reviewers, "exempt"_a = p->exempt, "min_approvals"_a = p->min_approvals,
                        "wait"_a = p->max_wait_seconds);
      },
      py::is_method(dir), "command"_a);
  dir.attr("reviews") = py::cpp_function(
      [](Session& s, Id org, std::optional<std::string> state) {
        const auto rows = service_call(s, kReviews, [&](Reviews& r, const Actor& a) { return r.list(a, org, state); });
        py::list out;
        for (const Review& r : rows) out.append(review_to_py(r));
        return out;
      },
      py::is_method(dir), "org"_a, "state"_a = py::none());
  dir.attr("review") = py::cpp_function(
      [](Session& s, std::int64_t id) {
        return review_to_py(service_call(s, kReviews, [&](Reviews& r, const Actor& a) { return r.get(a, id); }));
      },
      py::is_method(dir), "review"_a);
  dir.attr("review_vote") = py::cpp_function(
      [](Session& s, std::int64_t id, bool approve, const std::string& comment, std::optional<std::int64_t> now) {
        return review_to_py(service_call(s, kReviews, [&](Reviews& r, const Actor& a) {
          return approve ? r.approve(a, id, comment, now) : r.reject(a, id, comment, now);
        }));
      },
      py::is_method(dir), "review"_a, "approve"_a, "comment"_a = "", "now"_a = py::none());
  dir.attr("review_revoke") = py::cpp_function(
      [](Session& s, std::int64_t id) {
        return review_to_py(service_call(s, kReviews, [&](Reviews& r, const Actor& a) { return r.revoke(a, id); }));
      },
      py::is_method(dir), "review"_a);
}

}  // namespace dirctl::py_bindings
