// Secrets that must be recoverable (TOTP seeds) sealed at rest, and the
// helpers for secrets that need not be (session tokens, API keys): all libsodium.
//
// SecretBox: XSalsa20-Poly1305 (crypto_secretbox_easy) under a 32-byte key kept
// OUTSIDE the database file, so a copy of the file alone reveals no seed.
// Invariants: the key is exactly 32 bytes and is zeroed when the box dies; a
// sealed box opens only under the key that sealed it, undamaged. A SecretBox
// is immutable after construction: const methods are safe from many threads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dirctl {

class SecretBox {
 public:
  // The key for the directory file at db_path: the file named by env
  // DIRCTL_SECRET_KEY_FILE if set, else "<db_path>.key". Made on first use
  // with mode 0600 and published whole (written to a temporary file, then
  // link()ed into place), so a concurrent creator's key is read instead and two
  // processes never end with different keys. A key file that is not exactly 32
  // bytes, not a regular file, or open to group/other is refused (StorageError
  // naming the path and what to do). db_path "", ":memory:" or "file::memory:..."
  // gets an ephemeral random key held in memory only, whatever the env says.
  // A directory on a PostgreSQL server keeps its key in
  // ~/.config/dirctl/keys/<server and database>.key unless the variable says
  // otherwise: every machine that opens it must hold the same key file.
  static SecretBox for_directory(const std::string& db_path);
  // The key file for_directory(db_path) uses.
  static std::string key_path(const std::string& db_path);
  // Copies the key of directory `from` to where directory `to` keeps its own
  // (dirctl migrate: the sealed secrets go across, so must their key). False
  // when there is nothing to copy (no key yet, or the same file); a different
  // key already there is a StorageError naming both files.
  static bool carry_key(const std::string& from, const std::string& to);
  explicit SecretBox(std::string key);  // 32 bytes, else InvalidArgument
  ~SecretBox();                         // sodium_memzero the key
  SecretBox(SecretBox&& other) noexcept;
  SecretBox& operator=(SecretBox&& other) noexcept;  // swaps: the old key is zeroed by `other`
  SecretBox(const SecretBox&) = delete;              // one copy of the key per owner
  SecretBox& operator=(const SecretBox&) = delete;

  // nonce (24 random bytes) || ciphertext with its 16-byte tag; binary.
  std::string seal(std::string_view plaintext) const;
  // Throws StorageError("... cannot be decrypted with the key in <where>; ...")
  // when the box was sealed under another key or is damaged.
  std::string open(std::string_view sealed) const;
  const std::string& key_source() const { return source_; }  // the key file's path, or "memory"

 private:
  SecretBox(std::string key, std::string source);
  std::string key_;
  std::string source_;
};

// BLAKE2b-256 (crypto_generichash) of a high-entropy token, as 64 lower-case
// hex chars: how session tokens and API keys are stored. (Argon2id is for
// low-entropy passwords; a 256-bit random token cannot be brute-forced, so
// one fast hash is enough and lookups stay in microseconds.)
std::string token_hash(std::string_view token);
// `bytes` (> 0, else InvalidArgument) random bytes as URL-safe base64 without padding.
std::string random_token(std::size_t bytes = 32);
// Constant-time comparison of equal-length strings (sodium_memcmp); false if lengths differ.
bool same_secret(std::string_view a, std::string_view b);

}  // namespace dirctl
