#include "identity/totp.h"

#include <liboath/oath.h>
#include <sodium.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "dirctl/error.h"
#include "identity/secret_box.h"

namespace dirctl {
namespace {

void init_libraries() {
  static const bool kReady = sodium_init() >= 0 && oath_init() == OATH_OK;
  if (!kReady) throw StorageError("libsodium or liboath could not initialise");
}

struct FreeC {
  void operator()(char* p) const { std::free(p); }
};
using CText = std::unique_ptr<char, FreeC>;

void check_oath(int rc, const char* what) {
  if (rc != OATH_OK) throw StorageError(std::string("liboath failed to ") + what + ": " + oath_strerror(rc));
}

void check_secret(std::string_view raw_secret) {
  if (raw_secret.empty())
    throw InvalidArgument("a TOTP secret is empty; make one with new_totp_secret() (20 random bytes)");
}

void check_time(std::int64_t unix_s) {
  if (unix_s < 0)
    throw InvalidArgument("TOTP time " + std::to_string(unix_s) + " is before 1970; pass unix seconds (>= 0)");
}

// liboath's own comparison is strcmp; this one takes the same time wherever the codes differ.
int constant_time_compare(void* handle, const char* candidate) {
  return same_secret(*static_cast<const std::string_view*>(handle), candidate) ? 0 : 1;
}

std::string percent_encode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                            c == '-' || c == '.' || c == '_' || c == '~';  // RFC 3986, not the locale's isalnum
    if (unreserved) {
      out += c;
    } else {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0x0F];
    }
  }
  return out;
}

}  // namespace

std::string new_totp_secret() {
  init_libraries();
  std::string secret(20, '\0');
  randombytes_buf(secret.data(), secret.size());
  return secret;
}

std::string base32_encode(std::string_view raw) {
  init_libraries();
  char* out = nullptr;
  std::size_t length = 0;
  check_oath(oath_base32_encode(raw.data(), raw.size(), &out, &length), "encode base32");
  const CText owned(out);
  std::string text(out == nullptr ? "" : std::string(out, length));
  text.erase(text.find_last_not_of('=') + 1);
  return text;
}

std::string base32_decode(std::string_view text) {
  init_libraries();
  char* out = nullptr;
  std::size_t length = 0;
  const int rc = oath_base32_decode(text.data(), text.size(), &out, &length);
  const CText owned(out);
  // liboath ignores the unused low bits of the last character; re-encoding shows whether any were set.
  std::string canonical;
  for (const char c : text)
    if (c != ' ' && c != '=') canonical += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string raw = rc == OATH_OK && out != nullptr ? std::string(out, length) : std::string();
  if (rc != OATH_OK || base32_encode(raw) != canonical)
    throw InvalidArgument("a secret of " + std::to_string(text.size()) +  // never the text: it is a secret
                          " characters is not base32 (RFC 4648: letters A-Z, digits 2-7); copy it again");
  return raw;
}

std::string otpauth_uri(std::string_view issuer, std::string_view account, std::string_view raw_secret) {
  if (issuer.empty() || account.empty())
    throw InvalidArgument("an otpauth URI needs an issuer and an account name (both shown in the authenticator app)");
  check_secret(raw_secret);
  const std::string who = percent_encode(issuer);
  return "otpauth://totp/" + who + ":" + percent_encode(account) + "?secret=" + base32_encode(raw_secret) +
         "&issuer=" + who + "&algorithm=SHA1&digits=" + std::to_string(kTotpDigits) +
         "&period=" + std::to_string(kTotpStepSeconds);
}

std::string totp_code(std::string_view raw_secret, std::int64_t unix_s, int digits, TotpHash hash) {
  init_libraries();
  check_secret(raw_secret);
  check_time(unix_s);
  if (digits < 6 || digits > 8)
    throw InvalidArgument("a TOTP code has 6, 7 or 8 digits, not " + std::to_string(digits));
  const int flags = hash == TotpHash::kSha256   ? OATH_TOTP_HMAC_SHA256
                    : hash == TotpHash::kSha512 ? OATH_TOTP_HMAC_SHA512
                                                : 0;
  char code[16] = {};
  check_oath(oath_totp_generate2(raw_secret.data(), raw_secret.size(), static_cast<time_t>(unix_s),
                                 kTotpStepSeconds, OATH_TOTP_DEFAULT_START_TIME, static_cast<unsigned>(digits),
                                 flags, code),
             "compute a TOTP code");
  return code;
}

std::int64_t totp_match(std::string_view raw_secret, std::string_view code, std::int64_t unix_s, int window) {
  init_libraries();
  check_secret(raw_secret);
  check_time(unix_s);
  if (window < 0) throw InvalidArgument("a TOTP window is a number of steps >= 0, not " + std::to_string(window));
  if (code.size() != static_cast<std::size_t>(kTotpDigits)) return -1;
  for (const char c : code)
    if (c < '0' || c > '9') return -1;
  int offset = 0;
  const int rc = oath_totp_validate2_callback(
      raw_secret.data(), raw_secret.size(), static_cast<time_t>(unix_s), kTotpStepSeconds,
      OATH_TOTP_DEFAULT_START_TIME, kTotpDigits, static_cast<std::size_t>(window), &offset,
      constant_time_compare, &code);
  if (rc == OATH_INVALID_OTP) return -1;
  if (rc < 0) check_oath(rc, "validate a TOTP code");
  const std::int64_t counter = unix_s / kTotpStepSeconds + offset;  // liboath returns |offset|; `offset` has the sign
  return counter < 0 ? -1 : counter;
}

}  // namespace dirctl
