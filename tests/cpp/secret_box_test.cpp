// identity/secret_box.cpp: sealed secrets open only under their key and
// undamaged; the key file is made once, 0600, 32 bytes, and refused otherwise;
// token hashes, random tokens and constant-time comparison.
#include "identity/secret_box.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>
#include <vector>

#include "dirctl/error.h"
#include "test_support.h"

namespace dirctl {
namespace {

// Sets (or unsets, with nullptr) DIRCTL_SECRET_KEY_FILE for one test and puts it back.
class KeyFileEnv {
 public:
  explicit KeyFileEnv(const char* value) : old_(std::getenv(kName) ? std::getenv(kName) : "") { set(value); }
  ~KeyFileEnv() { set(old_.empty() ? nullptr : old_.c_str()); }

 private:
  static void set(const char* value) { value ? ::setenv(kName, value, 1) : ::unsetenv(kName); }
  static constexpr const char* kName = "DIRCTL_SECRET_KEY_FILE";
  std::string old_;
};

struct Removed {  // removes the key file a test made
  std::string path;
  ~Removed() { std::remove(path.c_str()); }
};

unsigned mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return static_cast<unsigned>(st.st_mode & 07777);
}

TEST(SecretBox, SealThenOpenRoundTrips) {
  const SecretBox box(std::string(32, 'k'));
  for (const std::string& plain : {std::string(), std::string("JBSWY3DPEHPK3PXP"), std::string("a\0b\xff", 4)}) {
    const std::string sealed = box.seal(plain);
    EXPECT_EQ(sealed.size(), 24 + 16 + plain.size()) << "nonce || ciphertext and tag";
    EXPECT_EQ(box.open(sealed), plain);
    EXPECT_NE(box.seal(plain), sealed) << "a fresh nonce each time";
  }
  EXPECT_EQ(box.key_source(), "memory");
}

TEST(SecretBox, AnotherKeyCannotOpen) {
  const SecretBox a(std::string(32, 'a'));
  const SecretBox b(std::string(32, 'b'));
  try {
    b.open(a.seal("seed"));
    ADD_FAILURE() << "opened under another key";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot be decrypted with the key in memory"), std::string::npos) << e.what();
  }
}

TEST(SecretBox, DamagedBoxesAreRefused) {
  const SecretBox box(std::string(32, 'k'));
  const std::string sealed = box.seal("seed bytes");
  for (std::size_t at : {std::size_t{0}, std::size_t{23}, std::size_t{24}, std::size_t{39}, sealed.size() - 1}) {
    std::string bad = sealed;
    bad[at] = static_cast<char>(bad[at] ^ 1);
    EXPECT_THROW(box.open(bad), StorageError) << "byte " << at;
  }
  EXPECT_THROW(box.open(sealed.substr(0, sealed.size() - 1)), StorageError);
  EXPECT_THROW(box.open(sealed.substr(0, 39)), StorageError) << "shorter than nonce and tag";
  EXPECT_THROW(box.open(""), StorageError);
}

TEST(SecretBox, KeyMustBe32Bytes) {
  EXPECT_THROW(SecretBox(std::string(31, 'k')), InvalidArgument);
  EXPECT_THROW(SecretBox(std::string(33, 'k')), InvalidArgument);
  EXPECT_THROW(SecretBox(""), InvalidArgument);
}

TEST(SecretBox, MovedBoxesKeepTheirKey) {
  SecretBox a(std::string(32, 'a'));
  const std::string sealed = a.seal("x");
  SecretBox b(std::move(a));
  EXPECT_EQ(b.open(sealed), "x");
  SecretBox c(std::string(32, 'c'));
  c = std::move(b);
  EXPECT_EQ(c.open(sealed), "x");
}

TEST(SecretBox, KeyFileIsMadeOnce0600And32BytesBesideTheDirectory) {
  const KeyFileEnv env(nullptr);
  const test::TempFile db;
  const Removed key{db.path() + ".key"};
  const SecretBox first = SecretBox::for_directory(db.path());
  EXPECT_EQ(first.key_source(), key.path);
  EXPECT_EQ(mode_of(key.path), 0600u);
  EXPECT_EQ(test::read_bytes(key.path).size(), 32u);
  const std::string sealed = first.seal("seed");
  const SecretBox second = SecretBox::for_directory(db.path());
  EXPECT_EQ(second.open(sealed), "seed") << "the second reads the key the first made";
  const auto dir = std::filesystem::path(key.path).parent_path();
  for (const auto& entry : std::filesystem::directory_iterator(dir))
    EXPECT_EQ(entry.path().string().rfind(key.path + ".tmp", 0), std::string::npos) << "left behind: " << entry.path();
}

TEST(SecretBox, ConcurrentFirstUsesAgreeOnOneKey) {
  const KeyFileEnv env(nullptr);
  const test::TempFile db;
  const Removed key{db.path() + ".key"};
  std::vector<std::string> sealed(8);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < sealed.size(); ++i)
    threads.emplace_back([&, i] { sealed[i] = SecretBox::for_directory(db.path()).seal(std::to_string(i)); });
  for (auto& t : threads) t.join();
  const SecretBox box = SecretBox::for_directory(db.path());
  for (std::size_t i = 0; i < sealed.size(); ++i) EXPECT_EQ(box.open(sealed[i]), std::to_string(i));
}

TEST(SecretBox, KeyFileOpenToOthersOrOfTheWrongSizeIsRefused) {
  const test::TempFile file("key");
  const KeyFileEnv env(file.path().c_str());
  test::write_bytes(file.path(), std::string(32, 'k'));
  ASSERT_EQ(::chmod(file.path().c_str(), 0640), 0);
  try {
    SecretBox::for_directory("/nonexistent/dir.db");
    ADD_FAILURE() << "a group-readable key was used";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("chmod 600 " + file.path()), std::string::npos) << e.what();
  }
  ASSERT_EQ(::chmod(file.path().c_str(), 0600), 0);
  EXPECT_EQ(SecretBox::for_directory("/nonexistent/dir.db").key_source(), file.path());
  test::write_bytes(file.path(), std::string(31, 'k'));
  EXPECT_THROW(SecretBox::for_directory("/nonexistent/dir.db"), StorageError);
}

TEST(SecretBox, EnvNamesTheKeyFile) {
  const test::TempFile file("key");
  const KeyFileEnv env(file.path().c_str());
  const test::TempFile db;
  const SecretBox made = SecretBox::for_directory(db.path());
  EXPECT_EQ(made.key_source(), file.path());
  EXPECT_EQ(mode_of(file.path()), 0600u);
  EXPECT_FALSE(test::file_exists(db.path() + ".key"));
  EXPECT_EQ(SecretBox::for_directory("/elsewhere/other.db").open(made.seal("s")), "s") << "one key, any directory";
}

TEST(SecretBox, MemoryDirectoriesGetEphemeralKeys) {
  const KeyFileEnv env("/nonexistent/never-made.key");
  for (const char* path : {":memory:", "", "file::memory:?cache=shared"}) {
    SCOPED_TRACE(path);
    const SecretBox a = SecretBox::for_directory(path);
    const SecretBox b = SecretBox::for_directory(path);
    EXPECT_EQ(a.key_source(), "memory");
    EXPECT_EQ(a.open(a.seal("seed")), "seed");
    EXPECT_THROW(b.open(a.seal("seed")), StorageError) << "each ephemeral key is its own";
  }
  EXPECT_FALSE(test::file_exists(":memory:.key"));
}

TEST(SecretBox, TokenHashIsBlake2b256Hex) {
  EXPECT_EQ(token_hash(""), "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  EXPECT_EQ(token_hash("abc"), "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  const std::string token = random_token();
  EXPECT_EQ(token_hash(token), token_hash(token));
  EXPECT_EQ(token_hash(token).find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(token_hash(token), token_hash(token + "x"));
}

TEST(SecretBox, RandomTokensAreUrlSafeUnpaddedAndUnique) {
  EXPECT_EQ(random_token().size(), 43u) << "32 bytes";
  EXPECT_EQ(random_token(1).size(), 2u);
  EXPECT_EQ(random_token(3).size(), 4u);
  EXPECT_THROW(random_token(0), InvalidArgument);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string t = random_token();
    EXPECT_EQ(t.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), std::string::npos)
        << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(SecretBox, SameSecretComparesWholeStrings) {
  EXPECT_TRUE(same_secret("abc", "abc"));
  EXPECT_TRUE(same_secret("", ""));
  EXPECT_FALSE(same_secret("abc", "abd"));
  EXPECT_FALSE(same_secret("abc", "abcd"));
  EXPECT_FALSE(same_secret("abc", ""));
}

}  // namespace
}  // namespace dirctl
