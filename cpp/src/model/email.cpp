#include "model/email.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdio>

namespace dirctl {
namespace {

constexpr std::size_t kMaxLocal = 64;     // RFC 5321 §4.5.3.1.1
constexpr std::size_t kMaxLabel = 63;     // RFC 1035 §2.3.4
constexpr std::size_t kMaxDomain = 255;   // RFC 5321 §4.5.3.1.2
constexpr std::size_t kMaxAddress = 254;  // RFC 5321 §4.5.3.1.3 path, RFC 3696 erratum 1690

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ldh(char c) { return is_alpha(c) || is_digit(c) || c == '-'; }

// RFC 5322 §3.2.3 atext.
bool is_atext(char c) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-/=?^_`{|}~";
  return is_alpha(c) || is_digit(c) || kSpecials.find(c) != std::string_view::npos;
}

// A character as a reason shows it: 'x', or a word for the invisible ones.
std::string char_word(char c) {
  if (c == ' ') return "a space";
  if (c == '\t') return "a tab";
  auto u = static_cast<unsigned char>(c);
  if (u < 0x20 || u == 0x7f) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "control character 0x%02X", u);
    return buf;
  }
  return std::string("'") + c + "'";
}

std::string octets(std::size_t n) { return std::to_string(n) + (n == 1 ? " octet" : " octets"); }

std::optional<std::string> too_long(const std::string& what, std::size_t size, std::size_t limit) {
  if (size <= limit) return std::nullopt;
  return what + " is " + octets(size) + "; the limit is " + std::to_string(limit);
}

// The unquoted local part (RFC 5322 dot-atom); `local` holds no '@'.
std::optional<std::string> dot_atom_problem(std::string_view local) {
  if (local.front() == '.') return "the local part may not start with '.'";
  if (local.back() == '.') return "the local part may not end with '.'";
  if (local.find("..") != std::string_view::npos) return "the local part may not have two dots in a row ('..')";
  for (char c : local) {
    if (is_atext(c) || c == '.') continue;
    if (c == '"') return "a quoted local part must be quoted as a whole (\"...\"@); a partly quoted one is obsolete syntax";
    if (c == '(' || c == ')') return "comments '(...)' are not allowed in an address (RFC 5321)";
    if (c == '<' || c == '>') return "give the bare address, without a display name or '<...>'";
    if (c == ' ' || c == '\t')
      return "the local part may contain " + char_word(c) + " only inside quotes (\"john doe\"@example.com)";
    if (c == '\\') return "the local part may contain '\\' only inside quotes, as an escape";
    return "the local part may contain " + char_word(c) + " only inside quotes";
  }
  return std::nullopt;
}

// The quoted local part: `text` starts at its opening quote. Sets `end` to
// one past the closing quote. RFC 5321 Quoted-string: qtextSMTP is printable
// ASCII and space except '"' and '\'; quoted-pairSMTP is '\' then one of those
// or '"' or '\'. RFC 5322's folding whitespace and obs-qtext are not accepted.
std::optional<std::string> quoted_problem(std::string_view text, std::size_t& end) {
  for (std::size_t i = 1; i < text.size(); ++i) {
    char c = text[i];
    auto u = static_cast<unsigned char>(c);
    if (c == '"') {
      if (i == 1) return "the quoted local part is empty";
      end = i + 1;
      return std::nullopt;
    }
    if (c == '\\') {
      if (i + 1 == text.size()) break;
      char next = text[++i];
      auto un = static_cast<unsigned char>(next);
      if (un < 0x20 || un == 0x7f) return "a quoted local part may not escape " + char_word(next);
      continue;
    }
    if (u < 0x20 || u == 0x7f) return "a quoted local part may not contain " + char_word(c);
  }
  return "a quoted local part must close its quote";
}

// "IPv6:", in any case (RFC 5321's ABNF strings are case-insensitive).
bool has_ipv6_tag(const std::string& text) {
  static constexpr std::string_view kTag = "ipv6:";
  if (text.size() < kTag.size()) return false;
  for (std::size_t i = 0; i < kTag.size(); ++i)
    if ((text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i]) != kTag[i]) return false;
  return true;
}

// An address literal: `inner` is the text between '[' and ']'.
std::optional<std::string> literal_problem(std::string_view inner) {
  const std::string text(inner);
  if (has_ipv6_tag(text)) {
    in6_addr a6{};
    if (inet_pton(AF_INET6, text.c_str() + 5, &a6) != 1)
      return "the address literal '[" + text + "]' is not an IPv6 address";
    return std::nullopt;
  }
  auto colon = text.find(':');
  if (colon != std::string::npos)
    return "the address literal '[" + text + "]' is neither IPv4 ([192.0.2.1]) nor IPv6 ([IPv6:2001:db8::1])";
  in_addr a4{};
  if (inet_pton(AF_INET, text.c_str(), &a4) != 1)
    return "the address literal '[" + text + "]' is not an IPv4 address (four numbers 0-255 without leading zeros)";
  return std::nullopt;
}

// A domain name: dot-separated LDH labels (RFC 5321 sub-domain), two or more.
std::optional<std::string> domain_name_problem(std::string_view domain) {
  if (domain.front() == '.') return "the domain may not start with '.'";
  if (domain.back() == '.') return "the domain may not end with '.'; write it without the final dot";
  if (domain.find("..") != std::string_view::npos) return "the domain may not have two dots in a row ('..')";
  std::size_t labels = 0;
  for (std::size_t start = 0; start <= domain.size();) {
    auto dot = domain.find('.', start);
    if (dot == std::string_view::npos) dot = domain.size();
    std::string_view label = domain.substr(start, dot - start);
    auto shown = [&] { return "'" + std::string(label.substr(0, 70)) + (label.size() > 70 ? "...'" : "'"); };
    for (char c : label) {
      if (is_ldh(c)) continue;
      if (c == '(' || c == ')') return "comments '(...)' are not allowed in an address (RFC 5321)";
      if (c == '@') return "the address has more than one '@'; an '@' in the local part must be inside quotes";
      if (c == '[' || c == ']') return "an address literal must be the whole domain, as in [192.0.2.1]";
      if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
        return "the domain may not contain " + char_word(c);
      return "the domain label " + shown() + " may contain only letters, digits and '-'";
    }
    if (label.front() == '-' || label.back() == '-')
      return "the domain label " + shown() + " may not start or end with '-'";
    if (label.size() > kMaxLabel) return *too_long("the domain label " + shown(), label.size(), kMaxLabel);
    ++labels;
    start = dot + 1;
  }
  if (labels < 2)
    return "the domain '" + std::string(domain) + "' has a single label; use a fully qualified domain (example.com)";
  return std::nullopt;
}

}  // namespace

std::optional<std::string> email_problem(std::string_view address) {
  if (address.empty()) return "the address is empty";

  // Non-ASCII first: its reason (punycode) helps more than any syntax reason.
  const auto last_at = address.rfind('@');
  for (std::size_t i = 0; i < address.size(); ++i) {
    if (static_cast<unsigned char>(address[i]) < 0x80) continue;
    if (last_at != std::string_view::npos && i > last_at) {
      std::size_t from = last_at + 1;
      if (auto dot = address.rfind('.', i); dot != std::string_view::npos && dot > last_at) from = dot + 1;
      const std::size_t to = std::min(address.find('.', i), address.size());
      std::size_t cut = std::min<std::size_t>(to - from, 70);  // kept on a UTF-8 character boundary
      while (cut < to - from && (static_cast<unsigned char>(address[from + cut]) & 0xC0) == 0x80) --cut;
      return "the domain label '" + std::string(address.substr(from, cut)) + (cut < to - from ? "..." : "") +
             "' has non-ASCII characters; write the domain in punycode (xn--...); internationalized "
             "(SMTPUTF8) addresses are not accepted";
    }
    return "the local part has non-ASCII characters; internationalized (SMTPUTF8) addresses are not accepted";
  }

  // The local part: one quoted string, or a dot-atom up to the only '@'.
  std::size_t at = 0;
  if (address.front() == '"') {
    std::size_t end = 0;
    if (auto p = quoted_problem(address, end)) return p;
    if (end == address.size()) return "the address has no '@' after the quoted local part";
    if (address[end] != '@')
      return "a quoted local part must be quoted as a whole (\"...\"@); a partly quoted one is obsolete syntax";
    at = end;
  } else {
    at = address.find('@');
    if (at == std::string_view::npos) return "the address has no '@' (expected name@example.com)";
    if (at == 0) return "the local part (before '@') is empty";
    if (auto p = dot_atom_problem(address.substr(0, at))) return p;
  }
  if (auto p = too_long("the local part", at, kMaxLocal)) return p;

  // The domain: an address literal or a domain name.
  std::string_view domain = address.substr(at + 1);
  if (domain.empty()) return "the domain (after '@') is empty";
  if (domain.front() == '[') {
    if (domain.back() != ']') return "an address literal must end with ']'";
    if (auto p = literal_problem(domain.substr(1, domain.size() - 2))) return p;
  } else if (auto p = domain_name_problem(domain)) {
    return p;
  }
  if (auto p = too_long("the domain", domain.size(), kMaxDomain)) return p;
  if (auto p = too_long("the address", address.size(), kMaxAddress)) return p;
  return std::nullopt;
}

bool is_valid_email(std::string_view address) { return !email_problem(address); }

}  // namespace dirctl
