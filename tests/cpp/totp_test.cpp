// identity/totp.cpp: RFC 6238's own vectors through liboath; matching within
// ±window steps returns the counter (for replay refusal); base32 as RFC 4648
// spells it; otpauth:// URIs as authenticator apps read them.
#include "identity/totp.h"

#include <gtest/gtest.h>

#include <string>

#include "dirctl/error.h"

namespace dirctl {
namespace {

const std::string kSeed1 = "12345678901234567890";  // RFC 6238 Appendix B seeds
const std::string kSeed256 = "12345678901234567890123456789012";
const std::string kSeed512 = "1234567890123456789012345678901234567890123456789012345678901234";

TEST(Totp, Rfc6238AppendixBVectors) {
  struct Vector {
    std::int64_t time;
    const char* sha1;
    const char* sha256;
    const char* sha512;
  };
  const Vector vectors[] = {
      {59, "94287082", "46119246", "90693936"},
      {1111111109, "07081804", "68084774", "25091201"},
      {1111111111, "14050471", "67062674", "99943326"},
      {1234567890, "89005924", "91819424", "93441116"},
      {2000000000, "69279037", "90698825", "38618901"},
      {20000000000, "65353130", "77737706", "47863826"},
  };
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.time);
    EXPECT_EQ(totp_code(kSeed1, v.time, 8, TotpHash::kSha1), v.sha1);
    EXPECT_EQ(totp_code(kSeed256, v.time, 8, TotpHash::kSha256), v.sha256);
    EXPECT_EQ(totp_code(kSeed512, v.time, 8, TotpHash::kSha512), v.sha512);
  }
}

TEST(Totp, CodesAreZeroPaddedToTheirDigits) {
  EXPECT_EQ(totp_code(kSeed1, 1111111109), "081804") << "6 digits by default, the low ones of the 8";
  EXPECT_EQ(totp_code(kSeed1, 1111111109, 7), "7081804");
  EXPECT_EQ(totp_code(kSeed1, 59), "287082");
}

TEST(Totp, CodeRefusesBadArguments) {
  EXPECT_THROW(totp_code(kSeed1, 59, 5), InvalidArgument);
  EXPECT_THROW(totp_code(kSeed1, 59, 9), InvalidArgument);
  EXPECT_THROW(totp_code(kSeed1, -1), InvalidArgument);
  EXPECT_THROW(totp_code("", 59), InvalidArgument);
}

TEST(Totp, MatchAcceptsOneStepEitherSideAndReturnsTheCounter) {
  const std::int64_t now = 1111111109;  // counter 37037036
  const std::int64_t counter = now / kTotpStepSeconds;
  for (int step = -1; step <= 1; ++step) {
    SCOPED_TRACE(step);
    const std::string code = totp_code(kSeed1, now + step * kTotpStepSeconds);
    EXPECT_EQ(totp_match(kSeed1, code, now), counter + step);
  }
  EXPECT_EQ(totp_match(kSeed1, "081804", now), 37037036);
}

TEST(Totp, MatchRefusesTwoStepsAwayUnlessTheWindowAllows) {
  const std::int64_t now = 1111111109;
  const std::int64_t counter = now / kTotpStepSeconds;
  for (int step : {-2, 2}) {
    SCOPED_TRACE(step);
    const std::string code = totp_code(kSeed1, now + step * kTotpStepSeconds);
    EXPECT_EQ(totp_match(kSeed1, code, now), -1);
    EXPECT_EQ(totp_match(kSeed1, code, now, 2), counter + step);
  }
  EXPECT_EQ(totp_match(kSeed1, totp_code(kSeed1, now - kTotpStepSeconds), now, 0), -1) << "window 0: now only";
  EXPECT_EQ(totp_match(kSeed1, totp_code(kSeed1, now), now, 0), counter);
  EXPECT_EQ(totp_match(new_totp_secret(), totp_code(kSeed1, now), now), -1) << "another secret";
}

TEST(Totp, MatchRefusesCodesThatAreNotSixDigitsWithoutThrowing) {
  const std::int64_t now = 1111111109;
  for (const std::string& code : {std::string("08180"), std::string("0818044"), std::string("07081804"),
                                  std::string(""), std::string("08a804"), std::string(" 81804"),
                                  std::string("081804 "), std::string("08180\0", 6), std::string("+81804")}) {
    SCOPED_TRACE(code);
    EXPECT_EQ(totp_match(kSeed1, code, now), -1);
  }
  EXPECT_EQ(totp_match(kSeed1, "081804", now), now / kTotpStepSeconds) << "the same code, well formed";
}

TEST(Totp, MatchRefusesBadArguments) {
  EXPECT_THROW(totp_match("", "123456", 59), InvalidArgument);
  EXPECT_THROW(totp_match(kSeed1, "123456", -30), InvalidArgument);
  EXPECT_THROW(totp_match(kSeed1, "123456", 59, -1), InvalidArgument);
}

TEST(Totp, NewSecretsAreTwentyRandomBytes) {
  const std::string a = new_totp_secret();
  EXPECT_EQ(a.size(), 20u);
  EXPECT_NE(a, new_totp_secret());
  const std::int64_t now = 1700000000;
  EXPECT_EQ(totp_match(a, totp_code(a, now), now), now / kTotpStepSeconds);
}

TEST(Totp, Base32Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},        {"f", "MY"},           {"fo", "MZXQ"},         {"foo", "MZXW6"},
      {"foob", "MZXW6YQ"}, {"fooba", "MZXW6YTB"}, {"foobar", "MZXW6YTBOI"},
  };
  for (const auto& [raw, text] : vectors) {
    EXPECT_EQ(base32_encode(raw), text) << "unpadded";
    EXPECT_EQ(base32_decode(text), raw);
  }
  EXPECT_EQ(base32_encode(kSeed1), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
}

TEST(Totp, Base32DecodeAcceptsLowerCaseSpacesAndPadding) {
  EXPECT_EQ(base32_decode("mzxw6ytboi"), "foobar");
  EXPECT_EQ(base32_decode("MZXW 6YTB OI"), "foobar");
  EXPECT_EQ(base32_decode("MZXW6YTBOI======"), "foobar");
  EXPECT_EQ(base32_decode("my======"), "f");
  EXPECT_EQ(base32_decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq"), kSeed1);
}

TEST(Totp, Base32RoundTripsEveryLength) {
  for (std::size_t n = 0; n <= 41; ++n) {
    const std::string raw = new_totp_secret().substr(0, n % 20) + std::string(n - n % 20, '\xff');
    EXPECT_EQ(base32_decode(base32_encode(raw)), raw) << n;
  }
}

TEST(Totp, Base32DecodeRefusesBadText) {
  for (const char* text : {"MZXW6YTB1I", "MZXW6YTBO", "M", "MZ=XW6YTBOI", "MZXW6YTBOI=", "MZXW6YTBOI!",
                           "MZXW6YTBO\tI", "MZXW6YTBOJ"}) {  // the last sets unused trailing bits
    SCOPED_TRACE(text);
    try {
      base32_decode(text);
      ADD_FAILURE() << "accepted";
    } catch (const InvalidArgument& e) {
      EXPECT_EQ(std::string(e.what()).find(text), std::string::npos) << "a secret is never quoted: " << e.what();
    }
  }
}

TEST(Totp, OtpauthUriPercentEncodesIssuerAndAccount) {
  EXPECT_EQ(otpauth_uri("dirctl acme", "ops+x@acme.com", kSeed1),
            "otpauth://totp/dirctl%20acme:ops%2Bx%40acme.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=dirctl%20acme&algorithm=SHA1&digits=6&period=30");
  EXPECT_EQ(otpauth_uri("a:b/c?", "Az09-._~\xc3\xa9", "f"),
            "otpauth://totp/a%3Ab%2Fc%3F:Az09-._~%C3%A9?secret=MY&issuer=a%3Ab%2Fc%3F&algorithm=SHA1&digits=6"
            "&period=30");
  EXPECT_THROW(otpauth_uri("", "ops@acme.com", kSeed1), InvalidArgument);
  EXPECT_THROW(otpauth_uri("dirctl", "", kSeed1), InvalidArgument);
  EXPECT_THROW(otpauth_uri("dirctl", "ops@acme.com", ""), InvalidArgument);
}

}  // namespace
}  // namespace dirctl
