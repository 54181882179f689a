// UTC clock and ISO-8601 text for stored times (HowardHinnant date).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dirctl {

// "2026-11-23T14:34:00.123Z", now.
std::string utc_now_iso();
// Milliseconds since the Unix epoch, now; and the ISO-8601 text of such an instant.
std::int64_t unix_now_ms();
std::string iso_of_ms(std::int64_t ms);
// The audit log's clock: unix_now_ms(), but never earlier than a time it
// returned before in this process (a wall clock stepped back does not put
// events out of order). Called under the write lock, as an event is stored,
// so the log's times follow its commit order. Thread-safe.
std::int64_t log_now_ms();
// True for "YYYY-MM-DD" naming a real calendar day.
bool is_iso_date(std::string_view text);
// Parses ISO-8601 with optional fraction and 'Z' or offset; returns the
// canonical UTC form, or "" when the text is not a timestamp.
std::string canonical_timestamp(std::string_view text);
// Milliseconds since the epoch of an ISO-8601 timestamp (as canonical_timestamp
// reads it), or nullopt when the text is not one.
std::optional<std::int64_t> ms_of_timestamp(std::string_view text);

}  // namespace dirctl
