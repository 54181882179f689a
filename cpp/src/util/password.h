// Passwords: Argon2id through libsodium (crypto_pwhash_str), never by hand.
//
// Only PHC strings ("$argon2id$v=19$m=...,t=...,p=...$salt$hash") are stored;
// plaintext never leaves these functions. Thread-safe (libsodium is, after
// sodium_init, which hash_password calls once).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dirctl {

// Argon2id with libsodium's interactive limits. Throws StorageError if the
// machine cannot spare the memory.
std::string hash_password(std::string_view plaintext);
bool verify_password(const std::string& phc, std::string_view plaintext);
// A PHC string libsodium can verify: $argon2id$ or $argon2i$.
bool is_phc_hash(std::string_view text);
// Hashes every non-empty entry in place, on all cores.
void hash_passwords(std::vector<std::string>& plaintexts);

}  // namespace dirctl
