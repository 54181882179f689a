#include "schedule/cron.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "dirctl/error.h"

namespace dirctl {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const char* const kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                   "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
const char* const kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct FieldSpec {
  const char* name;
  unsigned lo, hi;           // what `*` and `a/s` span
  unsigned max_value;        // the largest value written (day-of-week: 7 = Sunday)
  const char* const* names;  // names[i] is value i + name_base
  unsigned name_count, name_base;
  const char* what;  // for "'x' is not <what>"
};

enum FieldIndex { kSecond, kMinute, kHour, kDom, kMonth, kDow };

const FieldSpec kFields[] = {
    {"second", 0, 59, 59, nullptr, 0, 0, "a number (0-59)"},
    {"minute", 0, 59, 59, nullptr, 0, 0, "a number (0-59)"},
    {"hour", 0, 23, 23, nullptr, 0, 0, "a number (0-23)"},
    {"day-of-month", 1, 31, 31, nullptr, 0, 0, "a day of the month (1-31; L, W and # are not supported)"},
    {"month", 1, 12, 12, kMonthNames, 12, 1, "a month (1-12 or JAN-DEC)"},
    {"day-of-week", 0, 6, 7, kDayNames, 7, 0, "a day of the week (0-7 or SUN-SAT; L and # are not supported)"},
};

const char* ordinal(std::size_t n) {
  static const char* const kOrdinals[] = {"1st", "2nd", "3rd", "4th", "5th", "6th"};
  return kOrdinals[n];
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t at = text.find(sep, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

template <class T>
int next_bit(T mask, unsigned from) {
  if (from >= 64) return -1;
  const std::uint64_t rest = static_cast<std::uint64_t>(mask) >> from;
  return rest == 0 ? -1 : static_cast<int>(from) + __builtin_ctzll(rest);
}

unsigned days_in_month(int y, unsigned m) {
  static const unsigned char kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
  return m == 2 && leap ? 29 : kDays[m - 1];
}

std::uint64_t full_mask(const FieldSpec& f) {
  std::uint64_t bits = 0;
  for (unsigned v = f.lo; v <= f.hi; ++v) bits |= std::uint64_t{1} << v;
  return bits;
}

// Parses one field. Messages start "cron 'x': field 'hour' (2nd of 5): ",
// composed only on failure.
class FieldParser {
 public:
  FieldParser(const FieldSpec& spec, bool day_field, std::string_view text, std::size_t position, std::size_t count)
      : f_(spec), day_field_(day_field), text_(text), position_(position), count_(count) {}

  std::uint64_t parse(std::string_view field) const {
    if (field == "*") return full_mask(f_);
    if (field.find('?') != std::string_view::npos) {
      if (!day_field_) fail("'?' stands for '*' only in day-of-month and day-of-week");
      if (field != "?") fail("'" + std::string(field) + "': '?' stands alone, with no other value");
      return full_mask(f_);
    }
    std::uint64_t bits = 0;
    for (std::string_view item : split(field, ',')) {
      if (item.empty()) fail("'" + std::string(field) + "' has an empty list item");
      bits |= parse_item(item);
    }
    return bits;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw InvalidArgument("cron '" + std::string(text_) + "': field '" + f_.name + "' (" + ordinal(position_) +
                          " of " + std::to_string(count_) + "): " + why);
  }

  std::uint64_t parse_item(std::string_view item) const {
    const std::size_t slash = item.find('/');
    const std::string_view base = item.substr(0, slash);
    unsigned step = 1;
    if (slash != std::string_view::npos) step = parse_step(item.substr(slash + 1), item);
    unsigned a = f_.lo, b = f_.hi;
    if (base != "*") {
      const std::size_t dash = base.find('-');
      if (base.empty() || dash == 0) fail("'" + std::string(item) + "' is not a value, a range or a step");
      a = value(base.substr(0, dash), false);
      if (dash != std::string_view::npos) {
        b = value(base.substr(dash + 1), a > 0);
        if (a > b)
          fail("range " + std::string(base) + " is reversed: write the low end first, or two ranges joined by a "
               "comma");
      } else if (slash == std::string_view::npos) {
        b = a;
      } else {
        b = std::max(a, f_.hi);  // `a/s`: from a to the field's end (day-of-week 7/s: Sunday)
      }
    }
    std::uint64_t bits = 0;
    for (unsigned v = a; v <= b; v += step) bits |= std::uint64_t{1} << (v == 7 && f_.max_value == 7 ? 0 : v);
    return bits;
  }

  unsigned parse_step(std::string_view text, std::string_view item) const {
    const unsigned width = f_.hi - f_.lo + 1;
    unsigned step = 0;
    bool ok = !text.empty() && text.size() <= 3;
    for (char c : text) {
      if (c < '0' || c > '9') {
        ok = false;
        break;
      }
      step = step * 10 + static_cast<unsigned>(c - '0');
    }
    if (!ok || step == 0 || step > width)
      fail("step '" + std::string(text) + "' in '" + std::string(item) + "' must be a whole number from 1 to " +
           std::to_string(width));
    return step;
  }

  // A number or (month, day-of-week) a name; `range_end` reads SUN as 7.
  unsigned value(std::string_view text, bool range_end) const {
    if (text.empty()) fail("a range needs a value at each end");
    if (std::isdigit(static_cast<unsigned char>(text[0]))) {
      unsigned v = 0;
      for (char c : text) {
        if (c < '0' || c > '9') fail("'" + std::string(text) + "' is not " + f_.what);
        if (v < 1000) v = v * 10 + static_cast<unsigned>(c - '0');
      }
      if (v < f_.lo || v > f_.max_value)
        fail(std::string(text) + " is out of range " + std::to_string(f_.lo) + "-" + std::to_string(f_.max_value));
      return v;
    }
    if (f_.names != nullptr && text.size() == 3) {
      for (unsigned i = 0; i < f_.name_count; ++i) {
        bool same = true;
        for (std::size_t k = 0; k < 3; ++k)
          same = same && std::toupper(static_cast<unsigned char>(text[k])) == f_.names[i][k];
        if (same) {
          const unsigned v = i + f_.name_base;
          return v == 0 && range_end && f_.max_value == 7 ? 7 : v;
        }
      }
    }
    fail("'" + std::string(text) + "' is not " + f_.what);
  }

  const FieldSpec& f_;
  bool day_field_;
  std::string_view text_;
  std::size_t position_, count_;
};

// One field's set as text: `*` when full, else runs and even steps.
std::string render(std::uint64_t bits, const FieldSpec& f) {
  if (bits == full_mask(f)) return "*";
  std::vector<unsigned> v;
  for (unsigned i = 0; i < 64; ++i)
    if ((bits >> i) & 1u) v.push_back(i);
  if (v.size() >= 3) {
    const unsigned step = v[1] - v[0];
    bool even = step > 1;
    for (std::size_t i = 2; even && i < v.size(); ++i) even = v[i] - v[i - 1] == step;
    if (even) {
      const bool to_end = v.back() + step > f.hi;
      if (to_end && v.front() == f.lo) return "*/" + std::to_string(step);
      return std::to_string(v.front()) + "-" + std::to_string(v.back()) + "/" + std::to_string(step);
    }
  }
  std::string out;
  for (std::size_t i = 0; i < v.size();) {
    std::size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    if (!out.empty()) out += ',';
    if (j - i >= 2) {
      out += std::to_string(v[i]) + "-" + std::to_string(v[j]);
    } else {
      for (std::size_t k = i; k <= j; ++k) out += (k > i ? "," : "") + std::to_string(v[k]);
    }
    i = j + 1;
  }
  return out;
}

}  // namespace

CronExpr CronExpr::parse(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  if (text.empty())
    throw InvalidArgument(
        "cron expression is empty: write 6 fields (second minute hour day-of-month month day-of-week, such as "
        "'0 0 9 * * 1-5') or the classic 5 (minute first)");
  std::vector<std::string_view> fields;
  for (std::size_t i = 0; i < text.size();) {
    if (is_blank(text[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && !is_blank(text[j])) ++j;
    fields.push_back(text.substr(i, j - i));
    i = j;
  }
  CronExpr e;
  e.text_ = std::string(text);
  if (fields.size() != 5 && fields.size() != 6)
    throw InvalidArgument("cron '" + e.text_ + "' has " + std::to_string(fields.size()) +
                          (fields.size() == 1 ? " field" : " fields") +
                          ": write 6 (second minute hour day-of-month month day-of-week) or the classic 5 "
                          "(minute hour day-of-month month day-of-week)");
  const std::size_t first = fields.size() == 6 ? 0 : 1;
  std::uint64_t bits[6] = {1, 0, 0, 0, 0, 0};  // second 0 unless given
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::size_t k = first + i;
    bits[k] = FieldParser(kFields[k], k == kDom || k == kDow, text, i, fields.size()).parse(fields[i]);
  }
  e.seconds_ = bits[kSecond];
  e.minutes_ = bits[kMinute];
  e.hours_ = static_cast<std::uint32_t>(bits[kHour]);
  e.doms_ = static_cast<std::uint32_t>(bits[kDom]);
  e.months_ = static_cast<std::uint16_t>(bits[kMonth]);
  e.dows_ = static_cast<std::uint8_t>(bits[kDow]);

  // croniter's reading: a day field is unrestricted when it is `*` or `?`, or
  // when it lists every value and the other field contains a `*`. A field
  // listing every value otherwise is restricted, and the pair matches every
  // day (OR). After this, a day field is unrestricted exactly when it is full.
  const std::string_view dom_text = fields[kDom - first], dow_text = fields[kDow - first];
  const auto bare_star = [](std::string_view t) { return t == "*" || t == "?"; };
  const auto has_star = [](std::string_view t) { return t.find('*') != std::string_view::npos; };
  const bool dom_full = e.doms_ == full_mask(kFields[kDom]), dow_full = e.dows_ == full_mask(kFields[kDow]);
  if ((dom_full && !bare_star(dom_text) && !has_star(dow_text)) ||
      (dow_full && !bare_star(dow_text) && !has_star(dom_text))) {
    e.doms_ = static_cast<std::uint32_t>(full_mask(kFields[kDom]));
    e.dows_ = static_cast<std::uint8_t>(full_mask(kFields[kDow]));
  }
  e.dom_star_ = e.doms_ == full_mask(kFields[kDom]);
  e.dow_star_ = e.dows_ == full_mask(kFields[kDow]);
  return e;
}

std::string CronExpr::canonical() const {
  std::string out;
  if (seconds_ != 1) out = render(seconds_, kFields[kSecond]) + " ";
  out += render(minutes_, kFields[kMinute]) + " " + render(hours_, kFields[kHour]) + " " +
         render(doms_, kFields[kDom]) + " " + render(months_, kFields[kMonth]) + " " + render(dows_, kFields[kDow]);
  return out;
}

bool CronExpr::day_matches(unsigned dom, unsigned dow) const {
  const bool d = (doms_ >> dom) & 1u, w = (dows_ >> dow) & 1u;
  return dom_star_ || dow_star_ ? d && w : d || w;
}

bool CronExpr::matches_day(date::year_month_day day) const {
  if (!day.ok() || ((months_ >> unsigned(day.month())) & 1u) == 0) return false;
  return day_matches(unsigned(day.day()), date::weekday(date::sys_days(day)).c_encoding());
}

bool CronExpr::matches(date::local_seconds t) const {
  const auto day = date::floor<date::days>(t);
  if (!matches_day(date::year_month_day(day))) return false;
  const auto sod = static_cast<unsigned>((t - day).count());
  return ((hours_ >> (sod / 3600)) & 1u) && ((minutes_ >> (sod / 60 % 60)) & 1u) && ((seconds_ >> (sod % 60)) & 1u);
}

std::optional<date::local_days> CronExpr::next_day(date::local_days day, date::local_days limit) const {
  while (day <= limit) {
    const date::year_month_day ymd(day);
    int y = int(ymd.year());
    const unsigned mo = unsigned(ymd.month()), d = unsigned(ymd.day());
    if ((months_ >> mo) & 1u) {
      const unsigned len = days_in_month(y, mo);
      unsigned best = d;  // both unrestricted: today
      const int by_dom = next_bit(doms_, d);
      const unsigned wd = date::weekday(day).c_encoding();
      const unsigned rot = ((unsigned{dows_} >> wd) | (unsigned{dows_} << (7 - wd))) & 0x7Fu;
      const unsigned by_dow = d + static_cast<unsigned>(__builtin_ctz(rot));  // dows_ is never empty
      if (dom_star_ && !dow_star_) {
        best = by_dow;
      } else if (!dom_star_ && dow_star_) {
        best = by_dom < 0 ? 32 : static_cast<unsigned>(by_dom);
      } else if (!dom_star_ && !dow_star_) {
        best = std::min(by_dom < 0 ? 32u : static_cast<unsigned>(by_dom), by_dow);
      }
      if (best <= len) return day + date::days(best - d);
    }
    int next_month = next_bit(months_, mo + 1);
    if (next_month < 0) {
      ++y;
      next_month = next_bit(months_, 1);
    }
    day = date::local_days(date::year(y) / date::month(static_cast<unsigned>(next_month)) / 1);
  }
  return std::nullopt;
}

bool CronExpr::next_time(unsigned& h, unsigned& m, unsigned& s) const {
  for (;;) {
    const int nh = next_bit(hours_, h);
    if (nh < 0) return false;
    if (static_cast<unsigned>(nh) != h) {
      h = static_cast<unsigned>(nh);
      m = s = 0;
    }
    const int nm = next_bit(minutes_, m);
    if (nm < 0) {
      ++h;
      m = s = 0;
      continue;
    }
    if (static_cast<unsigned>(nm) != m) {
      m = static_cast<unsigned>(nm);
      s = 0;
    }
    const int ns = next_bit(seconds_, s);
    if (ns < 0) {
      s = 0;
      if (++m == 60) {
        m = 0;
        ++h;
      }
      continue;
    }
    s = static_cast<unsigned>(ns);
    return true;
  }
}

std::optional<date::local_seconds> CronExpr::next_local(date::local_seconds after) const {
  const date::local_seconds t = after + seconds(1);
  date::local_days day = date::floor<date::days>(t);
  const auto sod = static_cast<unsigned>((t - day).count());
  unsigned h = sod / 3600, m = sod / 60 % 60, s = sod % 60;
  const date::local_days limit = day + date::days(366 * kSearchYears);
  for (;;) {
    const auto found = next_day(day, limit);
    if (!found) return std::nullopt;
    if (*found != day) {
      day = *found;
      h = m = s = 0;
    }
    if (next_time(h, m, s)) return day + hours(h) + minutes(m) + seconds(s);
    day += date::days(1);
    h = m = s = 0;
  }
}

}  // namespace dirctl
