// Insights' queries: authorised, scoped to what the view may see, run in
// store/'s EventLog. The purge is in purge.cpp.
#include "dirctl/insights.h"

#include <map>

#include "authz/role_engine.h"
#include "dirctl/authz.h"
#include "dirctl/error.h"
#include "insights/buckets.h"
#include "insights/event_text.h"
#include "insights/insights_scope.h"
#include "service/service_host.h"
#include "store/event_log.h"
#include "util/clock.h"

namespace dirctl {

namespace {

constexpr std::int64_t kMaxBuckets = 1000000;

// The columns behind field names as frames and Insights name them.
std::vector<std::string> columns_of(const std::vector<std::string>& fields) {
  std::vector<std::string> out;
  for (const std::string& f : fields) {
    std::string c = f == "time" || f == "timestamp" ? "time" : f == "changes" ? "changes" : event_column(f);
    if (c.empty()) {
      std::string known = "time, changes";
      for (const auto& n : event_field_names())
        if (n != "changes.field") known += ", " + n;
      throw InvalidArgument("unknown event field '" + f + "'; use " + known);
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

EventScope scope_of(ServiceHost& host, const Actor& actor) {
  if (actor.type == ActorType::kSystem) return {};
  EventScope s;
  s.everything = false;
  for (const auto o : host.orgs_of(actor)) s.orgs.push_back(static_cast<std::int64_t>(o));
  s.directory_wide = host.allowed(actor, action_for(Scope::kAdministrators, Verb::kRead), kNoId);
  return s;
}

EventScope authorized_scope(ServiceHost& host, const Actor& actor) {
  host.authorize(actor, action_for(Scope::kInsights, Verb::kRead), kNoId, "insights_read");
  return scope_of(host, actor);
}

Insights::Insights(ServiceHost& host) : host_(host) {}
Insights::~Insights() = default;

std::vector<Event> Insights::events(const Actor& actor, const EventFilter& filter) {
  std::vector<Event> out;
  host_.enter([&] { out = EventLog(host_.store()).query(filter, authorized_scope(host_, actor)); });
  return out;
}

EventColumns Insights::columns(const Actor& actor, const EventFilter& filter, const std::vector<std::string>& fields) {
  EventColumns out;
  host_.enter([&] {
    const std::vector<std::string> cols = columns_of(fields);
    out = EventLog(host_.store()).columns(filter, authorized_scope(host_, actor), cols);
  });
  return out;
}

EventChangeRows Insights::changes(const Actor& actor, const EventFilter& filter) {
  EventChangeRows out;
  host_.enter([&] { out = EventLog(host_.store()).changes(filter, authorized_scope(host_, actor)); });
  return out;
}

std::int64_t Insights::count(const Actor& actor, const EventFilter& filter) {
  std::int64_t n = 0;
  host_.enter([&] { n = EventLog(host_.store()).count(filter, authorized_scope(host_, actor)); });
  return n;
}

EventCounts Insights::distinct(const Actor& actor, const std::string& field, const EventFilter& filter) {
  EventCounts out;
  host_.enter([&] {
    const std::string column = columns_of({field}).front();
    if (column == "changes" || column == "time" || column == "seq")
      throw InvalidArgument("events_distinct counts values that repeat; '" + field +
                            "' is unique per event: use events_frame or events_interval");
    const bool numeric = column == "success" || (column.size() > 3 && column.compare(column.size() - 3, 3, "_id") == 0);
    out = EventLog(host_.store()).distinct(column, numeric, filter, authorized_scope(host_, actor));
  });
  return out;
}

EventBuckets Insights::interval(const Actor& actor, const std::string& interval, const std::string& by,
                                const EventFilter& filter) {
  EventBuckets out;
  host_.enter([&] {
    const BucketWidth w = parse_interval(interval);
    const std::string column = by.empty() ? std::string() : columns_of({by}).front();
    if (column == "changes" || column == "time")
      throw InvalidArgument("events_interval cannot split by '" + by + "'; use a field whose values repeat");
    EventFilter f = filter;
    f.by_seq = false;
    f.descending = false;
    f.limit = -1;
    // Buckets in time order; within one, the count per `by` value (or just
    // a count, without `by`: the common case, kept free of string work).
    std::vector<std::int64_t> buckets, totals;
    std::vector<std::map<std::string, std::int64_t>> counts;
    std::string value;
    std::int64_t lo = 0, hi = -1;  // the current bucket's time span, [lo, hi]
    EventLog(host_.store()).times(f, authorized_scope(host_, actor), column, [&](std::int64_t ms, std::string_view v) {
      if (buckets.empty() || ms < lo || ms > hi) {
        const std::int64_t b = bucket_of(ms, w);
        if (buckets.empty() || buckets.back() != b) {
          buckets.push_back(b);
          totals.push_back(0);
          if (!column.empty()) counts.emplace_back();
        }
        lo = bucket_start_ms(b, w);
        hi = bucket_start_ms(b + 1, w) - 1;
      }
      ++totals.back();
      if (!column.empty()) {
        value.assign(v.data(), v.size());
        ++counts.back()[value];
      }
    });
    std::int64_t first = buckets.empty() ? 0 : buckets.front(), last = buckets.empty() ? -1 : buckets.back();
    if (filter.start_ms) first = bucket_of(*filter.start_ms, w);
    if (filter.end_ms) last = bucket_of(*filter.end_ms - 1, w);
    if (!buckets.empty()) {
      first = std::min(first, buckets.front());
      last = std::max(last, buckets.back());
    }
    if (last - first + 1 > kMaxBuckets)
      throw InvalidArgument("interval '" + interval + "' makes " + std::to_string(last - first + 1) +
                            " buckets over this range (at most " + std::to_string(kMaxBuckets) +
                            "); use a coarser interval or a shorter time range");
    std::size_t k = 0;
    for (std::int64_t b = first; b <= last; ++b) {
      const std::int64_t start = bucket_start_ms(b, w);
      if (k < buckets.size() && buckets[k] == b) {
        if (column.empty()) {
          out.start_ms.push_back(start);
          out.counts.push_back(totals[k]);
        }
        for (const auto& [key, n] : column.empty() ? std::map<std::string, std::int64_t>() : counts[k]) {
          out.start_ms.push_back(start);
          out.counts.push_back(n);
          out.key.push(key);
        }
        ++k;
      } else {
        out.start_ms.push_back(start);
        out.counts.push_back(0);
        if (!column.empty()) out.key.push_null();
      }
    }
  });
  return out;
}

std::string Insights::export_page(const Actor& actor, const EventFilter& filter, ExportFormat format, bool header,
                                  EventCursor& last, std::int64_t& rows) {
  std::string out;
  rows = 0;
  host_.enter([&] {
    if (header && format == ExportFormat::kCsv) out = event_csv_header();
    EventLog(host_.store()).each(filter, authorized_scope(host_, actor), [&](const Event& e) {
      if (format == ExportFormat::kCsv)
        append_event_csv(out, e);
      else
        append_event_json(out, e);
      last = EventCursor{ms_of_timestamp(e.time).value_or(0), e.seq};
      ++rows;
    });
  });
  return out;
}

std::vector<std::string> Insights::plan(const Actor& actor, const EventFilter& filter) {
  std::vector<std::string> out;
  host_.enter([&] { out = EventLog(host_.store()).plan(filter, scope_of(host_, actor)); });
  return out;
}

}  // namespace dirctl
