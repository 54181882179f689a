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
// True for "YYYY-MM-DD" naming a real calendar day.
bool is_iso_date(std::string_view text);
// Parses ISO-8601 with optional fraction and 'Z' or offset; returns the
// canonical UTC form, or "" when the text is not a timestamp.
std::string canonical_timestamp(std::string_view text);
// Milliseconds since the epoch of an ISO-8601 timestamp (as canonical_timestamp
// reads it), or nullopt when the text is not one.
std::optional<std::int64_t> ms_of_timestamp(std::string_view text);

}  // namespace dirctl
