#pragma once
// The Subsonic REST API, version 1.16.1 with OpenSubsonic's additions (docs/subsonic.md), under /rest/
// of `serve`: what music players (Symfonium, DSub, Feishin, ...) speak. It browses the library by its
// tags, streams the original files, keeps playlists in the library database and answers the
// sonicSimilarity extension with the same neighbours as `similar` and `path`.
//
// Protocol only: the library comes through LibraryBackend like /api/, users and playlists through
// LibraryDb and UserDirectory. HttpServer hands every /rest/ request to handle().
#include <nlohmann/json.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "app/server/LibraryBackend.h"
#include "app/server/SubsonicUsers.h"
#include "common/Error.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace soundalike::app {

// An error the protocol names: 0 generic, 10 required parameter missing, 40 wrong username or password,
// 43 conflicting authentication, 50 not authorised, 70 not found.
class SubsonicError : public std::runtime_error {
 public:
  SubsonicError(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
  int code() const noexcept { return code_; }

 private:
  int code_;
};

namespace subsonic {

inline constexpr const char* kApiVersion = "1.16.1";
inline constexpr const char* kServerType = "soundalike";

// {"subsonic-response": {"status": "ok", "version", "type", "serverVersion", "openSubsonic": true, ...payload}}
nlohmann::json ok(nlohmann::json payload = nlohmann::json::object());
// The same envelope with "status": "failed" and "error": {"code", "message"}.
nlohmann::json failed(int code, std::string_view message);
// The XML form of an envelope: objects become elements, their scalar members attributes, arrays
// repeated elements, and a member named "value" the element's text (a genre's name).
std::string to_xml(const nlohmann::json& envelope);
int error_code_for(ExitCode code);

// Ids that survive re-indexing: songs are the library's track ids ("42"), artists and albums a hash of
// their normalised tag names (case, surrounding and repeated blanks do not count).
std::string normalise_name(std::string_view name);
std::string artist_id(std::string_view artist);
std::string album_id(std::string_view artist, std::string_view album);

// The sonicSimilarity extension's distance in [0, 1] (0 = the same) from a distance of `similar`:
// mutual-proximity distances are in [0, 1] already, cosine distances in [0, 2] are halved, other
// unbounded ones (l2, kl) map through d / (1 + d), which keeps their order.
double sonic_distance(double distance, std::string_view metric, std::string_view normalize);

}  // namespace subsonic

class SubsonicApi {
 public:
  // `accounts` holds users and playlists and should be opened read_write (playlists are written); all
  // three outlive this.
  SubsonicApi(const LibraryBackend& library, LibraryDb& accounts, const UserDirectory& users);
  ~SubsonicApi();
  SubsonicApi(const SubsonicApi&) = delete;
  SubsonicApi& operator=(const SubsonicApi&) = delete;

  // Answers /rest/<endpoint>[.view], GET or form POST. Never throws: every failure becomes the
  // protocol's error envelope (HTTP 200, as Subsonic clients expect) in the format asked for.
  void handle(std::string_view endpoint, const httplib::Request& req, httplib::Response& res) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace soundalike::app
