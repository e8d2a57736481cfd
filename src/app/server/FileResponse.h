#pragma once
// Answering with a file from disk, shared by /api/ and the Subsonic API: its type from the extension,
// and a content provider so that httplib answers Range requests (seeking in a player).
#include <filesystem>
#include <string>

namespace httplib {
struct Response;
}

namespace soundalike::app {

std::string content_type_for(const std::filesystem::path& p);

// Throws Error(not_found) when the file cannot be read (moved or deleted since it was indexed).
void send_file(httplib::Response& res, const std::filesystem::path& file, const std::string& content_type);

}  // namespace soundalike::app
