// util/password.cpp: Argon2id through libsodium; what is stored verifies
// against the plaintext and nothing else; batches hash in place.
#include "util/password.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dirctl {
namespace {

TEST(PasswordTest, HashesAreArgon2idPhcStringsThatVerify) {
  const std::string phc = hash_password("correct horse battery");
  EXPECT_EQ(phc.rfind("$argon2id$v=19$", 0), 0u) << phc;
  EXPECT_TRUE(is_phc_hash(phc));
  EXPECT_TRUE(verify_password(phc, "correct horse battery"));
  EXPECT_FALSE(verify_password(phc, "correct horse batterY"));
  EXPECT_NE(hash_password("correct horse battery"), phc) << "salted: the same password hashes differently";
  EXPECT_FALSE(is_phc_hash("correct horse battery"));
}

TEST(PasswordTest, BatchHashesPlaintextsKeepsHashesAndBlanks) {
  const std::string given = hash_password("already hashed pw");
  std::vector<std::string> batch = {"first secret!", "", given, "second secret"};
  hash_passwords(batch);
  EXPECT_TRUE(verify_password(batch[0], "first secret!"));
  EXPECT_EQ(batch[1], "") << "a blank stays blank (no password)";
  EXPECT_EQ(batch[2], given) << "a PHC string is kept as it is";
  EXPECT_TRUE(verify_password(batch[3], "second secret"));
}

}  // namespace
}  // namespace dirctl
