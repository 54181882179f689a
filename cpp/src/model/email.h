// Email address syntax: the addr-spec of RFC 5322 §3.4.1 as RFC 5321 §4.1.2
// restricts it for SMTP (JumpCloud accepts any such address, whatever its TLD).
//
// local-part: a dot-atom (RFC 5322 §3.2.3 atext, no leading, trailing or double
//   dot) or one quoted string (RFC 5321 Quoted-string: printable ASCII and
//   space; '"' and '\' only as \-escapes; not empty, our choice).
// domain: two or more LDH labels (RFC 5321 sub-domain: letters, digits, '-',
//   no '-' at either end; digits anywhere; "xn--" punycode labels are plain
//   LDH, not decoded), or an address literal [192.0.2.1] / [IPv6:2001:db8::1]
//   (RFC 5321 §4.1.3) checked with inet_pton, so an IPv4 part with a leading
//   zero is refused. A single label (user@localhost) is refused, our choice:
//   a directory's addresses are fully qualified.
// lengths, in octets: local part <= 64, label <= 63, domain <= 255, the whole
//   address <= 254 (the RFC 5321 path limit, RFC 3696 erratum 1690).
// Refused: non-ASCII (EAI/SMTPUTF8; the reason asks for the domain in
//   punycode), comments, folding whitespace and RFC 5322 obs- syntax.
// Written by hand: no Debian library validates RFC 5321/5322 address syntax
// (libidn2 only converts IDNs; mail libraries parse leniently).
// Pure functions of their argument; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dirctl {

// nullopt if `address` is a valid address, else a short reason naming the
// part at fault ("the local part is 70 octets; the limit is 64"). The reason
// does not repeat the whole address; callers show it.
std::optional<std::string> email_problem(std::string_view address);

bool is_valid_email(std::string_view address);

}  // namespace dirctl
