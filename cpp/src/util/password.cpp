#include "util/password.h"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "dirctl/error.h"

namespace dirctl {
namespace {

void init_sodium() {
  static const int kReady = sodium_init();
  if (kReady < 0) throw StorageError("libsodium could not initialise");
}

}  // namespace

std::string hash_password(std::string_view plaintext) {
  init_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, plaintext.data(), plaintext.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw StorageError("hashing a password ran out of memory (Argon2id needs 64 MiB per hash)");
  return out;
}

bool verify_password(const std::string& phc, std::string_view plaintext) {
  init_sodium();
  return crypto_pwhash_str_verify(phc.c_str(), plaintext.data(), plaintext.size()) == 0;
}

bool is_phc_hash(std::string_view text) {
  const bool prefix = text.rfind("$argon2id$v=", 0) == 0 || text.rfind("$argon2i$v=", 0) == 0;
  return prefix && text.size() < crypto_pwhash_STRBYTES &&
         std::count(text.begin(), text.end(), '$') == 5 && text.find("m=") != std::string_view::npos;
}

void hash_passwords(std::vector<std::string>& plaintexts) {
  init_sodium();
  std::atomic<std::size_t> next{0};
  const unsigned workers = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> pool;
  std::exception_ptr failure;
  std::atomic<bool> failed{false};
  for (unsigned w = 0; w < workers; ++w)
    pool.emplace_back([&] {
      for (std::size_t i = next++; i < plaintexts.size() && !failed; i = next++) {  // one failure ends them all
        if (plaintexts[i].empty() || is_phc_hash(plaintexts[i])) continue;
        try {
          plaintexts[i] = hash_password(plaintexts[i]);
        } catch (...) {
          if (!failed.exchange(true)) failure = std::current_exception();
        }
      }
    });
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace dirctl
