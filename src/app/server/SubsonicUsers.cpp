#include "app/server/SubsonicUsers.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "common/Error.h"
#include "common/Text.h"

namespace soundalike::app {
namespace {

constexpr unsigned char kSealVersion = 1;
constexpr size_t kNonceBytes = 12, kTagBytes = 16;

struct CipherContextFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextFree>;

CipherContext new_cipher_context() {
  CipherContext c(EVP_CIPHER_CTX_new());
  if (!c) throw Error(ExitCode::internal, "OpenSSL: cannot allocate a cipher context");
  return c;
}

[[noreturn]] void openssl_failed(const char* what) { throw Error(ExitCode::internal, std::string("OpenSSL: ") + what + " failed"); }

// The associated data of a seal: the user it belongs to.
std::string seal_context(std::string_view user) { return "soundalike-user:" + std::string(user); }

// Reads all of a small file through an open descriptor.
std::vector<unsigned char> read_all(int fd, const std::filesystem::path& file) {
  std::vector<unsigned char> out;
  unsigned char buf[256];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) throw InputError(ExitCode::not_found, file, std::string("cannot read the key file: ") + std::strerror(errno));
    if (n == 0) return out;
    out.insert(out.end(), buf, buf + n);
    if (out.size() > 4096) throw InputError(ExitCode::bad_data, file, "not a soundalike key file (too large)");
  }
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

void check_user_name(std::string_view name) {
  if (name.empty() || name.size() > 64) throw Error(ExitCode::usage, "a user name has 1 to 64 characters");
  for (char c : name)
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)) || c == ':')
      throw Error(ExitCode::usage, "a user name may not hold spaces, control characters or ':' (HTTP basic auth splits at it)");
}

}  // namespace

std::string md5_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_md5(), nullptr) != 1) openssl_failed("MD5");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string decode_password_parameter(std::string_view p) {
  if (!p.starts_with("enc:")) return std::string(p);
  const std::string_view hex = p.substr(4);
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2) throw Error(ExitCode::usage, "p=enc: needs an even number of hex digits");
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) throw Error(ExitCode::usage, "p=enc: holds a character that is not a hex digit");
    out += char(hi << 4 | lo);
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::filesystem::path key_file_for(const std::filesystem::path& library) { return library.string() + ".key"; }

PasswordKey::PasswordKey(const std::filesystem::path& file, bool create) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT && create) {
    // O_EXCL: two commands creating the key at once must not both write one.
    const int wfd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (wfd >= 0) {
      const FileDescriptor w(wfd);
      if (RAND_bytes(key_.data(), int(key_.size())) != 1) openssl_failed("RAND_bytes");
      if (::write(wfd, key_.data(), key_.size()) != ssize_t(key_.size()) || ::fsync(wfd) != 0)
        throw InputError(ExitCode::cannot_write, file, std::string("cannot write the key file: ") + std::strerror(errno));
      return;
    }
    if (errno != EEXIST) throw InputError(ExitCode::cannot_write, file, std::string("cannot create the key file: ") + std::strerror(errno));
    fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  }
  if (fd < 0)
    throw InputError(ExitCode::not_found, file,
                     errno == ENOENT ? std::string("no key file (it is made by `soundalike user add`)")
                                     : std::string("cannot open the key file: ") + std::strerror(errno));
  const FileDescriptor r(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) throw InputError(ExitCode::bad_data, file, "the key file is not a regular file");
  if (st.st_mode & 077)
    throw InputError(ExitCode::bad_data, file, "the key file may be read by other users; make it private with chmod 600");
  std::vector<unsigned char> bytes = read_all(fd, file);
  if (bytes.size() != key_.size()) {
    OPENSSL_cleanse(bytes.data(), bytes.size());
    throw InputError(ExitCode::bad_data, file, "not a soundalike key file (expected 32 bytes)");
  }
  std::memcpy(key_.data(), bytes.data(), key_.size());
  OPENSSL_cleanse(bytes.data(), bytes.size());
}

PasswordKey::~PasswordKey() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::vector<unsigned char> PasswordKey::seal(std::string_view password, std::string_view user) const {
  std::vector<unsigned char> out(1 + kNonceBytes + password.size() + kTagBytes);
  out[0] = kSealVersion;
  unsigned char* nonce = out.data() + 1;
  unsigned char* text = nonce + kNonceBytes;
  unsigned char* tag = text + password.size();
  if (RAND_bytes(nonce, int(kNonceBytes)) != 1) openssl_failed("RAND_bytes");
  const auto ctx = new_cipher_context();
  const std::string aad = seal_context(user);
  int n = 0;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1) openssl_failed("AES-GCM init");
  if (EVP_EncryptUpdate(ctx.get(), nullptr, &n, reinterpret_cast<const unsigned char*>(aad.data()), int(aad.size())) != 1)
    openssl_failed("AES-GCM AAD");
  if (!password.empty() &&
      EVP_EncryptUpdate(ctx.get(), text, &n, reinterpret_cast<const unsigned char*>(password.data()), int(password.size())) != 1)
    openssl_failed("AES-GCM encrypt");
  if (EVP_EncryptFinal_ex(ctx.get(), text + password.size(), &n) != 1) openssl_failed("AES-GCM final");
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, int(kTagBytes), tag) != 1) openssl_failed("AES-GCM tag");
  return out;
}

std::string PasswordKey::unseal(std::span<const unsigned char> secret, std::string_view user) const {
  if (secret.size() < 1 + kNonceBytes + kTagBytes || secret[0] != kSealVersion)
    throw Error(ExitCode::bad_data, "the stored password of '" + std::string(user) + "' is not in a known format");
  const unsigned char* nonce = secret.data() + 1;
  const unsigned char* text = nonce + kNonceBytes;
  const size_t length = secret.size() - 1 - kNonceBytes - kTagBytes;
  std::vector<unsigned char> tag(text + length, text + length + kTagBytes);
  const auto ctx = new_cipher_context();
  const std::string aad = seal_context(user);
  std::string out(length, '\0');
  int n = 0;
  if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce) != 1) openssl_failed("AES-GCM init");
  if (EVP_DecryptUpdate(ctx.get(), nullptr, &n, reinterpret_cast<const unsigned char*>(aad.data()), int(aad.size())) != 1)
    openssl_failed("AES-GCM AAD");
  if (length && EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &n, text, int(length)) != 1)
    openssl_failed("AES-GCM decrypt");
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, int(kTagBytes), tag.data()) != 1) openssl_failed("AES-GCM tag");
  unsigned char rest[16];
  if (EVP_DecryptFinal_ex(ctx.get(), rest, &n) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    throw Error(ExitCode::bad_data, "the stored password of '" + std::string(user) +
                                        "' does not open with this key file (a key from another library?)");
  }
  return out;
}

UserDirectory::UserDirectory(LibraryDb& db, std::filesystem::path key_file) : db_(db), key_file_(std::move(key_file)) {}
UserDirectory::~UserDirectory() = default;

const PasswordKey& UserDirectory::key(bool create) const {
  std::lock_guard lock(mutex_);
  if (!key_) key_ = std::make_unique<PasswordKey>(key_file_, create);
  return *key_;
}

std::vector<std::string> UserDirectory::names() const {
  std::vector<std::string> out;
  for (const UserRow& u : db_.users()) out.push_back(u.name);
  return out;
}

bool UserDirectory::any() const { return !db_.users().empty(); }

void UserDirectory::add(std::string_view name, std::string_view password) {
  check_user_name(name);
  if (password.empty()) throw Error(ExitCode::usage, "the password is empty");
  if (db_.user(name)) throw Error(ExitCode::usage, "user '" + std::string(name) + "' exists already");
  db_.add_user({std::string(name), key(true).seal(password, name), 0});
}

bool UserDirectory::set_password(std::string_view name, std::string_view password) {
  if (password.empty()) throw Error(ExitCode::usage, "the password is empty");
  if (!db_.user(name)) return false;
  return db_.set_user_secret(name, key(true).seal(password, name));
}

bool UserDirectory::remove(std::string_view name) { return db_.remove_user(name); }

std::optional<std::string> UserDirectory::password(std::string_view name) const {
  const auto row = db_.user(name);
  if (!row) return std::nullopt;
  return key(false).unseal(row->secret, name);
}

bool UserDirectory::check_password(std::string_view name, std::string_view given) const {
  std::optional<std::string> stored = password(name);
  const bool ok = stored && constant_time_equal(*stored, given);
  if (stored) OPENSSL_cleanse(stored->data(), stored->size());
  return ok;
}

bool UserDirectory::check_token(std::string_view name, std::string_view token, std::string_view salt) const {
  std::optional<std::string> stored = password(name);
  if (!stored) return false;
  std::string expected = md5_hex(*stored + std::string(salt));
  OPENSSL_cleanse(stored->data(), stored->size());
  return constant_time_equal(expected, to_lower(token));
}

}  // namespace soundalike::app
