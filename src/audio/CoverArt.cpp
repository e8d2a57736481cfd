#include "audio/CoverArt.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <memory>
#include <tuple>
#include <vector>

#include "audio/FfmpegSupport.h"
#include "common/Text.h"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/dict.h>
}

namespace soundalike {
namespace {

namespace fs = std::filesystem;

bool starts_with_bytes(std::string_view bytes, std::string_view signature) {
  return bytes.size() >= signature.size() && bytes.substr(0, signature.size()) == signature;
}

constexpr std::array<std::string_view, 5> kPreferredStems = {"cover", "folder", "front", "album", "albumart"};
constexpr std::array<std::string_view, 3> kImageExtensions = {".jpg", ".jpeg", ".png"};

std::optional<Picture> read_picture(const fs::path& file, std::uintmax_t size) {
  if (size == 0 || size > kMaxPictureBytes) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes(size_t(size), '\0');
  in.read(bytes.data(), std::streamsize(bytes.size()));
  bytes.resize(size_t(in.gcount()));
  std::string mime = image_mime_type(bytes);
  if (mime.empty()) return std::nullopt;
  return Picture{std::move(bytes), std::move(mime), file};
}

}  // namespace

std::string image_mime_type(std::string_view bytes) {
  if (starts_with_bytes(bytes, "\xFF\xD8\xFF")) return "image/jpeg";
  if (starts_with_bytes(bytes, "\x89PNG\r\n\x1A\n")) return "image/png";
  if (starts_with_bytes(bytes, "GIF87a") || starts_with_bytes(bytes, "GIF89a")) return "image/gif";
  if (starts_with_bytes(bytes, "BM") && bytes.size() > 26) return "image/bmp";
  if (starts_with_bytes(bytes, "RIFF") && bytes.size() >= 12 && bytes.substr(8, 4) == "WEBP") return "image/webp";
  return {};
}

std::optional<Picture> embedded_picture(const fs::path& audio_file) {
  std::error_code ec;
  // FFmpeg would block forever on a FIFO and fail obscurely on a folder.
  if (!fs::is_regular_file(audio_file, ec)) return std::nullopt;
  ffmpeg::quiet_logging();
  AVFormatContext* raw = nullptr;
  const std::string url = audio_file.string();
  // The header alone: demuxers queue attached pictures while opening, so no stream info (which
  // decodes frames) is needed. avformat_open_input frees the context itself when it fails.
  if (avformat_open_input(&raw, url.c_str(), nullptr, nullptr) < 0) return std::nullopt;
  const std::unique_ptr<AVFormatContext, ffmpeg::FormatCloser> format(raw);
  std::optional<Picture> first;
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    const AVStream* st = format->streams[i];
    if (!(st->disposition & AV_DISPOSITION_ATTACHED_PIC) || st->attached_pic.size <= 0) continue;
    std::string bytes(reinterpret_cast<const char*>(st->attached_pic.data), size_t(st->attached_pic.size));
    std::string mime = image_mime_type(bytes);
    if (mime.empty()) continue;  // e.g. an ID3 picture that is only a URL ("-->")
    Picture picture{std::move(bytes), std::move(mime), audio_file};
    // FFmpeg names the picture type (ID3 and FLAC alike) in the stream's comment.
    const AVDictionaryEntry* type = av_dict_get(st->metadata, "comment", nullptr, 0);
    if (type && to_lower(type->value) == "cover (front)") return picture;
    if (!first) first = std::move(picture);
  }
  return first;
}

std::optional<Picture> folder_picture(const fs::path& folder) {
  struct Candidate {
    size_t rank;  // preferred name and extension first, every other image after them
    std::string key;  // the name in lower case: "Cover.jpg" and "cover.JPG" sort together
    fs::path path;
    std::uintmax_t size;
  };
  std::vector<Candidate> candidates;
  std::error_code ec;
  fs::directory_iterator it(folder, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::error_code entry_ec;
    if (!it->is_regular_file(entry_ec)) continue;
    const std::string ext = to_lower(it->path().extension().string());
    const auto e = std::find(kImageExtensions.begin(), kImageExtensions.end(), ext);
    if (e == kImageExtensions.end()) continue;
    const std::string stem = to_lower(it->path().stem().string());
    const auto s = std::find(kPreferredStems.begin(), kPreferredStems.end(), stem);
    const size_t rank = s == kPreferredStems.end()
                            ? kPreferredStems.size() * kImageExtensions.size()
                            : size_t(s - kPreferredStems.begin()) * kImageExtensions.size() + size_t(e - kImageExtensions.begin());
    const std::uintmax_t size = it->file_size(entry_ec);
    if (entry_ec) continue;
    candidates.push_back({rank, to_lower(it->path().filename().string()), it->path(), size});
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return std::tie(a.rank, a.key, a.path) < std::tie(b.rank, b.key, b.path);
  });
  for (const Candidate& c : candidates)
    if (auto picture = read_picture(c.path, c.size)) return picture;
  return std::nullopt;
}

std::optional<Picture> find_cover_art(const fs::path& audio_file) {
  if (auto picture = embedded_picture(audio_file)) return picture;
  const fs::path folder = audio_file.parent_path();
  return folder_picture(folder.empty() ? fs::path(".") : folder);
}

}  // namespace soundalike
