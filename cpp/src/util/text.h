// Text helpers with no knowledge of the directory: UTF-8 validity and ASCII
// case folding. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace dirctl {

// Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text);
std::string lower_ascii(std::string_view text);

}  // namespace dirctl
