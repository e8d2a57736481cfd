#pragma once
// A song's cover art as players show it: the picture embedded in the audio file, else an image in the
// file's folder. The bytes are handed on untouched; scaling them is common/Image.h's business.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace soundalike {

struct Picture {
  std::string bytes;      // the whole image file (JPEG, PNG, ...)
  std::string mime_type;  // from the bytes' signature: "image/jpeg", "image/png", "image/gif", ...
  // Where the bytes came from: the audio file for an embedded picture, else the image file. Several
  // songs of a folder share the one image, so this is what a cache of scaled copies keys on.
  std::filesystem::path source;
};

// "image/jpeg", "image/png", "image/gif", "image/bmp" or "image/webp" from the first bytes; empty for
// anything else. File names lie (a .jpg saved as PNG is common), signatures do not.
std::string image_mime_type(std::string_view bytes);

// The attached picture of the file (ID3 APIC, FLAC/Vorbis PICTURE, MP4 covr), the front cover when
// there are several; nullopt when there is none or the file cannot be read.
std::optional<Picture> embedded_picture(const std::filesystem::path& audio_file);

// cover, folder, front, album or albumart (any case) with .jpg, .jpeg or .png, in that order of
// preference; else the first .jpg/.jpeg/.png of the folder by name. nullopt when there is none or the
// folder cannot be read. Files that are not images whatever their name, and files over
// kMaxPictureBytes, are passed over.
std::optional<Picture> folder_picture(const std::filesystem::path& folder);

// embedded_picture, else folder_picture of the file's folder. Never throws for a missing, unreadable
// or foreign file: no art is an ordinary answer.
std::optional<Picture> find_cover_art(const std::filesystem::path& audio_file);

// Scans and booklets beside an album can be huge; a cover is rarely over a few MB.
inline constexpr std::uintmax_t kMaxPictureBytes = 32u << 20;

}  // namespace soundalike
