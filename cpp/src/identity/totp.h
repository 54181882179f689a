// TOTP (RFC 6238) second factors: secrets, their base32 text, otpauth:// URIs,
// codes and their validation, all through liboath (HMAC never by hand).
//
// Secrets are raw bytes here; base32 is only for people and authenticator apps.
// totp_match returns the matching time-step counter so the caller can refuse a
// replay (a counter not above the last one it accepted); this file keeps no
// state. Thread-safe (liboath and libsodium are initialised once, statically).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dirctl {

enum class TotpHash { kSha1, kSha256, kSha512 };
constexpr int kTotpDigits = 6;
constexpr int kTotpStepSeconds = 30;

// 20 random bytes (160 bits, RFC 4226's recommended length), raw.
std::string new_totp_secret();
// RFC 4648 base32, upper case, without '=' padding (as authenticator apps
// expect); and back, accepting lower case, spaces and padding. Throws
// InvalidArgument on other characters, a bad length or non-zero trailing bits.
std::string base32_encode(std::string_view raw);
std::string base32_decode(std::string_view text);
// "otpauth://totp/<issuer>:<account>?secret=<BASE32>&issuer=<issuer>&algorithm=SHA1&digits=6&period=30",
// issuer and account percent-encoded (RFC 3986 unreserved kept). Throws
// InvalidArgument when any of the three is empty.
std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view raw_secret);
// The code at unix time unix_s (seconds, >= 0), zero-padded to `digits` (6, 7
// or 8); else InvalidArgument, as for an empty secret.
std::string totp_code(std::string_view raw_secret, std::int64_t unix_s, int digits = kTotpDigits,
                      TotpHash hash = TotpHash::kSha1);
// The time-step counter (unix_s / 30 + offset) at which `code` (SHA1, 6
// digits) matches for an offset in -window..+window, or -1 when none does. A
// code that is not exactly kTotpDigits ASCII digits is -1, no exception: the
// caller refuses and counts it. Compared in constant time. Throws
// InvalidArgument on an empty secret, a negative time or window.
std::int64_t totp_match(std::string_view raw_secret, std::string_view code, std::int64_t unix_s,
                        int window = 1);

}  // namespace dirctl
