#pragma once
// The people who may use `serve`: the Subsonic API always asks for one of them, the web app and /api/
// do when the server listens beyond loopback (docs/subsonic.md).
//
// Subsonic's token scheme sends md5(password + salt), so the server must be able to recover each
// password: a one-way hash cannot answer it. Passwords are therefore stored sealed (AES-256-GCM) with a
// key that lives in its own file beside the library, "<library>.key", mode 0600: a copy of the database
// alone reveals no password.
#include <array>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "library/LibraryDb.h"

namespace soundalike::app {

// md5 of the bytes as 32 lower-case hex digits.
std::string md5_hex(std::string_view bytes);
// Subsonic's `p` parameter: "enc:HEX" is the password hex-encoded, anything else the password itself.
// Throws Error(usage) for "enc:" followed by something that is not hex.
std::string decode_password_parameter(std::string_view p);
// Compares without an early exit, so that the time taken says nothing about where a guess went wrong.
bool constant_time_equal(std::string_view a, std::string_view b);

std::filesystem::path key_file_for(const std::filesystem::path& library);

// The library's password key.
class PasswordKey {
 public:
  // Reads `file`; creates it (32 random bytes, mode 0600) when it is missing and `create` is set.
  // Throws Error: not_found (missing and not created), bad_data (not a key, or readable by group or
  // others), cannot_write.
  PasswordKey(const std::filesystem::path& file, bool create);
  ~PasswordKey();
  PasswordKey(const PasswordKey&) = delete;
  PasswordKey& operator=(const PasswordKey&) = delete;

  // The user's name is bound into the seal, so a secret copied onto another user's row does not open.
  std::vector<unsigned char> seal(std::string_view password, std::string_view user) const;
  // Throws Error(bad_data) when the secret was not sealed with this key for this user.
  std::string unseal(std::span<const unsigned char> secret, std::string_view user) const;

 private:
  std::array<unsigned char, 32> key_{};
};

// The users of one library. Thread safe. Users added while a server runs are seen on its next request;
// the key file is read when first needed.
class UserDirectory {
 public:
  // `db` outlives this. Adding users needs it opened read_write.
  UserDirectory(LibraryDb& db, std::filesystem::path key_file);
  ~UserDirectory();

  std::vector<std::string> names() const;
  bool any() const;
  // Throws Error(usage) for a name that is taken or not acceptable, or an empty password.
  void add(std::string_view name, std::string_view password);
  bool set_password(std::string_view name, std::string_view password);  // false: no such user
  bool remove(std::string_view name);

  // The stored password of a user; none when there is no such user. Throws Error(bad_data) when the
  // key does not open it (a key file from another library).
  std::optional<std::string> password(std::string_view name) const;
  bool check_password(std::string_view name, std::string_view password) const;
  // Subsonic's token: t = md5(password + s).
  bool check_token(std::string_view name, std::string_view token, std::string_view salt) const;

 private:
  const PasswordKey& key(bool create) const;
  LibraryDb& db_;
  std::filesystem::path key_file_;
  mutable std::mutex mutex_;
  mutable std::unique_ptr<PasswordKey> key_;
};

}  // namespace soundalike::app
