#include "app/server/FileResponse.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <memory>
#include <vector>

#include "common/Error.h"
#include "common/Text.h"

namespace soundalike::app {

std::string content_type_for(const std::filesystem::path& p) {
  const std::string ext = to_lower(p.extension().string());
  if (ext == ".mp3") return "audio/mpeg";
  if (ext == ".flac") return "audio/flac";
  if (ext == ".ogg" || ext == ".oga" || ext == ".opus") return "audio/ogg";
  if (ext == ".m4a" || ext == ".mp4" || ext == ".aac") return "audio/mp4";
  if (ext == ".wav") return "audio/wav";
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".png") return "image/png";
  if (ext == ".svg") return "image/svg+xml";
  return "application/octet-stream";
}

void send_file(httplib::Response& res, const std::filesystem::path& file, const std::string& content_type) {
  auto in = std::make_shared<std::ifstream>(file, std::ios::binary);
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (!*in || ec) throw Error(ExitCode::not_found, "the audio of this track is no longer readable");
  res.set_content_provider(size, content_type, [in](size_t offset, size_t length, httplib::DataSink& sink) {
    std::vector<char> buf(std::min<size_t>(length, 1 << 16));
    in->clear();
    in->seekg(std::streamoff(offset));
    in->read(buf.data(), std::streamsize(buf.size()));
    const auto got = size_t(in->gcount());
    if (got == 0) return false;
    sink.write(buf.data(), got);
    return true;
  });
}

}  // namespace soundalike::app
