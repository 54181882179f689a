// CronExpr: a parsed cron expression and the local civil times it matches.
//
// Two shapes are accepted, fields separated by blanks:
//   6 fields  second minute hour day-of-month month day-of-week  (JumpCloud's)
//   5 fields  minute hour day-of-month month day-of-week         (second = 0)
// Each field is a comma list of `*`, `n`, `a-b`, `*/s`, `a-b/s` or `a/s`
// (a to the field's end, step s). Months take JAN-DEC, days SUN-SAT (any
// case); day-of-week takes 0-7 with 0 and 7 both Sunday ("SAT-SUN" is 6-7).
// `?` (Quartz) stands for `*` in the two day fields. Nothing else (L, W, #,
// @daily) is accepted.
//
// Day-of-month and day-of-week follow Vixie cron as croniter reads it: when
// both are restricted a day matches if EITHER matches ("0 0 13 * FRI" is the
// 13th and every Friday); when one is unrestricted only the other counts. A
// day field is unrestricted when it is `*` or `?`, or when it lists every
// value and the other day field contains a `*` (croniter's rule). So "1-31"
// beside "MON" is restricted and the pair matches every day, as in Vixie
// cron; and "*/2" beside "MON" is restricted too (OR), where Vixie cron, for
// a field that starts with `*`, would take the AND. A range a-a is {a}
// (croniter alone reads it as the whole cycle).
//
// Invariant: a CronExpr always holds a valid expression (parse throws
// dirctl::InvalidArgument naming the field otherwise); every field's set is
// non-empty. Immutable after parse, so const methods are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <date/date.h>

namespace dirctl {

class CronExpr {
 public:
  // Throws InvalidArgument: "cron 'x': field 'hour' (3rd of 5): 25 is out of
  // range 0-23", and likewise for a wrong field count, an empty expression, a
  // bad step, a reversed range or an unknown name.
  static CronExpr parse(std::string_view text);

  // The text as given (blanks at either end trimmed).
  const std::string& text() const { return text_; }
  // One spelling per meaning: numbers only, `*` for an unrestricted field,
  // runs as a-b and even steps as */s or a-b/s; 5 fields when the second is
  // 0, else 6. parse(canonical()) == *this.
  std::string canonical() const;

  // True when the civil time matches every field (whole seconds).
  bool matches(date::local_seconds t) const;
  // True when the calendar day matches month, day-of-month and day-of-week.
  bool matches_day(date::year_month_day day) const;

  // The first local civil time strictly after `after` that matches, or
  // nullopt when none does within kSearchYears ("0 0 30 2 *" never does).
  // Jumps field by field: a few dozen steps at most for any expression.
  std::optional<date::local_seconds> next_local(date::local_seconds after) const;

  // Long enough for the 29th of February, which may be 8 years away (2096 ->
  // 2104); anything rarer is taken as never.
  static constexpr int kSearchYears = 9;

  friend bool operator==(const CronExpr& a, const CronExpr& b) {
    return a.seconds_ == b.seconds_ && a.minutes_ == b.minutes_ && a.hours_ == b.hours_ && a.doms_ == b.doms_ &&
           a.months_ == b.months_ && a.dows_ == b.dows_ && a.dom_star_ == b.dom_star_ && a.dow_star_ == b.dow_star_;
  }
  friend bool operator!=(const CronExpr& a, const CronExpr& b) { return !(a == b); }

 private:
  CronExpr() = default;
  bool day_matches(unsigned dom, unsigned dow) const;
  // The first matching day at or after `day` (same month first, then month
  // by month), or nullopt past `limit`.
  std::optional<date::local_days> next_day(date::local_days day, date::local_days limit) const;
  // The first matching time of day at or after h:m:s, or false if none today.
  bool next_time(unsigned& h, unsigned& m, unsigned& s) const;

  std::string text_;
  std::uint64_t seconds_ = 0;  // bit n: second n (0-59)
  std::uint64_t minutes_ = 0;  // bit n: minute n (0-59)
  std::uint32_t hours_ = 0;    // bit n: hour n (0-23)
  std::uint32_t doms_ = 0;     // bit n: day n of the month (1-31)
  std::uint16_t months_ = 0;   // bit n: month n (1-12)
  std::uint8_t dows_ = 0;      // bit n: weekday n, 0 = Sunday (0-6)
  bool dom_star_ = true, dow_star_ = true;  // unrestricted, in the sense above
};

}  // namespace dirctl
