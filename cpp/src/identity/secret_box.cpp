#include "identity/secret_box.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "dirctl/error.h"
#include "store/store.h"

namespace dirctl {
namespace {

constexpr std::size_t kKeyBytes = crypto_secretbox_KEYBYTES;

void init_sodium() {
  static const int kReady = sodium_init();
  if (kReady < 0) throw StorageError("libsodium could not initialise");
}

std::string random_bytes(std::size_t n) {
  init_sodium();
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void fail(const std::string& path, const std::string& what, const std::string& todo) {
  throw StorageError("the secret key file " + path + " " + what + "; " + todo);
}

std::string errno_text() { return std::strerror(errno); }

std::string read_key(const std::string& path, const Fd& fd) {
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail(path, "cannot be examined: " + errno_text(), "check the path");
  if (!S_ISREG(st.st_mode)) fail(path, "is not a regular file", "point DIRCTL_SECRET_KEY_FILE at the key file");
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    fail(path, std::string("is open to group or other (mode ") + mode + ")", "run: chmod 600 " + path);
  }
  if (st.st_size != static_cast<off_t>(kKeyBytes))
    fail(path, "holds " + std::to_string(st.st_size) + " bytes, not 32, so it is not a dirctl key",
         "restore it from a backup (a new key cannot open secrets sealed under the old one)");
  std::string key(kKeyBytes, '\0');
  std::size_t got = 0;
  while (got < kKeyBytes) {
    const ssize_t n = ::read(fd.get(), key.data() + got, kKeyBytes - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(path, "could not be read: " + errno_text(), "check the disk and the file's owner");
    got += static_cast<std::size_t>(n);
  }
  return key;
}

// Writes a fresh key to a temporary file beside `path` and links it into place:
// readers see no file or a whole key. Losing the race (EEXIST) is fine: the
// caller then reads the winner's key.
void publish_new_key(const std::string& path) {
  std::string tmp = path + ".tmp-XXXXXX";
  const Fd fd(::mkstemp(tmp.data()));  // mode 0600, O_EXCL
  if (fd.get() < 0) fail(path, "cannot be created: " + errno_text(), "check that its directory is writable");
  std::string key = random_bytes(kKeyBytes);
  errno = 0;
  const bool written = ::write(fd.get(), key.data(), kKeyBytes) == static_cast<ssize_t>(kKeyBytes) &&
                       ::fsync(fd.get()) == 0;
  sodium_memzero(key.data(), key.size());
  const int linked = written ? ::link(tmp.c_str(), path.c_str()) : -1;
  const std::string why = errno_text();
  const bool lost_race = errno == EEXIST;
  ::unlink(tmp.c_str());
  if (!written) fail(path, "could not be written: " + why, "check the disk space");
  if (linked != 0 && !lost_race)
    fail(path, "could not be put in place: " + why,
         "keep it on a local POSIX file system or set DIRCTL_SECRET_KEY_FILE");
  const std::size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) ::fsync(dir_fd.get());  // the new name survives a crash
}

// A directory on a server has no folder of its own: its key is kept in the
// user's ~/.config/dirctl/keys/, named after the directory's own id
// ("postgresql://directory/<id>", whatever URL reached it).
std::string server_key_path(const std::string& location) {
  const char* home = std::getenv("HOME");
  std::string dir = std::string(home != nullptr && *home != '\0' ? home : ".") + "/.config";
  for (const char* part : {"", "/dirctl", "/dirctl/keys"}) {
    const std::string d = dir + part;
    if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST)
      fail(d + "/", "cannot be created: " + errno_text(), "set DIRCTL_SECRET_KEY_FILE to the directory's key file");
  }
  std::string name;
  for (char c : location.substr(location.find("://") + 3)) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return dir + "/dirctl/keys/" + name.substr(0, 200) + ".key";
}

bool in_memory(const std::string& db_path) {
  return db_path.empty() || db_path == ":memory:" || db_path.rfind("file::memory:", 0) == 0;
}

}  // namespace

std::string SecretBox::key_path(const std::string& db_path) {
  const char* env = std::getenv("DIRCTL_SECRET_KEY_FILE");
  return env != nullptr && *env != '\0' ? std::string(env)
         : is_server_url(db_path)      ? server_key_path(db_path)
                                       : db_path + ".key";
}

bool SecretBox::carry_key(const std::string& from, const std::string& to) {
  if (in_memory(from) || in_memory(to)) return false;
  const std::string src = key_path(from), dst = key_path(to);
  if (src == dst) return false;
  const Fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return false;  // no key yet: nothing was sealed
  std::string key = read_key(src, in);
  const Fd existing(::open(dst.c_str(), O_RDONLY | O_CLOEXEC));
  if (existing.get() >= 0) {
    std::string theirs = read_key(dst, existing);
    const bool same = theirs == key;
    sodium_memzero(theirs.data(), theirs.size());
    sodium_memzero(key.data(), key.size());
    if (!same)
      fail(dst, "already holds another key", "move it away, or set DIRCTL_SECRET_KEY_FILE to the source's key " + src);
    return false;
  }
  std::string tmp = dst + ".tmp-XXXXXX";
  const Fd out(::mkstemp(tmp.data()));  // mode 0600
  if (out.get() < 0) fail(dst, "cannot be created: " + errno_text(), "check that its directory is writable");
  const bool written = ::write(out.get(), key.data(), kKeyBytes) == static_cast<ssize_t>(kKeyBytes) &&
                       ::fsync(out.get()) == 0;
  sodium_memzero(key.data(), key.size());
  const int linked = written ? ::link(tmp.c_str(), dst.c_str()) : -1;
  const std::string why = errno_text();
  ::unlink(tmp.c_str());
  if (linked != 0) fail(dst, "could not be written: " + why, "check the disk and the folder's permissions");
  return true;
}

SecretBox SecretBox::for_directory(const std::string& db_path) {
  if (in_memory(db_path)) return SecretBox(random_bytes(kKeyBytes), "memory");
  const std::string path = key_path(db_path);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() >= 0) return SecretBox(read_key(path, fd), path);
    if (errno != ENOENT) fail(path, "cannot be opened: " + errno_text(), "check its owner and mode (0600)");
    publish_new_key(path);
  }
  fail(path, "vanished as soon as it was made", "check what removes files beside the directory");
}

SecretBox::SecretBox(std::string key) : SecretBox(std::move(key), "memory") {}

SecretBox::SecretBox(std::string key, std::string source) : key_(std::move(key)), source_(std::move(source)) {
  init_sodium();
  if (key_.size() != kKeyBytes) {
    const std::size_t size = key_.size();
    sodium_memzero(key_.data(), key_.size());
    throw InvalidArgument("a SecretBox key is 32 bytes, not " + std::to_string(size) +
                          "; use SecretBox::for_directory or 32 random bytes");
  }
}

SecretBox::~SecretBox() { sodium_memzero(key_.data(), key_.size()); }

SecretBox::SecretBox(SecretBox&& other) noexcept
    : key_(std::move(other.key_)), source_(std::move(other.source_)) {}

SecretBox& SecretBox::operator=(SecretBox&& other) noexcept {
  key_.swap(other.key_);
  source_.swap(other.source_);
  return *this;
}

std::string SecretBox::seal(std::string_view plaintext) const {
  std::string out = random_bytes(crypto_secretbox_NONCEBYTES);
  out.resize(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size());
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  crypto_secretbox_easy(bytes + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        plaintext.size(), bytes, reinterpret_cast<const unsigned char*>(key_.data()));
  return out;
}

std::string SecretBox::open(std::string_view sealed) const {
  constexpr std::size_t kOverhead = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
  const auto* bytes = reinterpret_cast<const unsigned char*>(sealed.data());
  std::string plain(sealed.size() < kOverhead ? 0 : sealed.size() - kOverhead, '\0');
  if (sealed.size() < kOverhead ||
      crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), bytes + crypto_secretbox_NONCEBYTES,
                                 sealed.size() - crypto_secretbox_NONCEBYTES, bytes,
                                 reinterpret_cast<const unsigned char*>(key_.data())) != 0)
    throw StorageError("a sealed secret cannot be decrypted with the key in " + source_ +
                       "; it was sealed under another key or is damaged: restore the key file it was sealed "
                       "with (see DIRCTL_SECRET_KEY_FILE) or enrol the secret again");
  return plain;
}

std::string token_hash(std::string_view token) {
  init_sodium();
  unsigned char digest[crypto_generichash_BYTES];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()), token.size(),
                     nullptr, 0);
  char hex[2 * sizeof digest + 1];
  return sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
}

std::string random_token(std::size_t bytes) {
  if (bytes == 0) throw InvalidArgument("a random token needs at least 1 byte (32 is the default)");
  const std::string raw = random_bytes(bytes);
  std::string text(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  text.resize(std::strlen(text.c_str()));
  return text;
}

bool same_secret(std::string_view a, std::string_view b) {
  init_sodium();
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace dirctl
