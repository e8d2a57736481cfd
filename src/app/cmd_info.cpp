#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "app/Output.h"
#include "audio/AudioDecoder.h"

namespace soundalike::app {
namespace {

struct InfoOptions {
  std::vector<std::string> files;
  bool json = false;
  bool headers_only = false;
};

nlohmann::json to_json(const std::string& path, const AudioInfo& i) {
  nlohmann::json tags = nlohmann::json::object();
  if (!i.tags.title.empty()) tags["title"] = i.tags.title;
  if (!i.tags.artist.empty()) tags["artist"] = i.tags.artist;
  if (!i.tags.album.empty()) tags["album"] = i.tags.album;
  if (!i.tags.genre.empty()) tags["genre"] = i.tags.genre;
  if (i.tags.track) tags["track"] = *i.tags.track;
  return {{"path", path},       {"container", i.container}, {"codec", i.codec},       {"sample_rate", i.sample_rate},
          {"channels", i.channels}, {"duration", i.duration}, {"bit_rate", i.bit_rate}, {"tags", tags}};
}

std::string to_line(const std::string& path, const AudioInfo& i) {
  std::string line = path + ": " + i.container + ", " + i.codec + ", " + std::to_string(i.sample_rate) + " Hz, " +
                     std::to_string(i.channels) + " ch, " + format_duration(i.duration);
  if (i.bit_rate > 0) line += ", " + std::to_string((i.bit_rate + 500) / 1000) + " kb/s";
  auto add = [&](const char* key, const std::string& v) {
    if (!v.empty()) line += std::string(", ") + key + " \"" + v + "\"";
  };
  add("title", i.tags.title);
  add("artist", i.tags.artist);
  add("album", i.tags.album);
  add("genre", i.tags.genre);
  if (i.tags.track) line += ", track " + std::to_string(*i.tags.track);
  return line;
}

int run(const InfoOptions& o) {
  const AudioDecoder decoder;
  BatchStatus status;
  nlohmann::json all = nlohmann::json::array();
  for (const std::string& path : o.files) {
    try {
      AudioInfo info = decoder.probe(path);
      if (!o.headers_only) {
        // Decoding the whole stream is what proves a file is readable, and gives its true length.
        DecodeOptions native;
        native.sample_rate = info.sample_rate > 0 ? info.sample_rate : 22050;
        info.duration = decoder.decode(path, native).seconds();
      }
      if (o.json) all.push_back(to_json(path, info));
      else std::cout << to_line(path, info) << '\n';
      status.success();
    } catch (const Error& e) {
      status.failure(e);
      if (o.json) all.push_back({{"path", path}, {"error", e.what()}, {"exit_code", int(e.code())}});
    }
  }
  if (o.json) std::cout << all.dump(2) << '\n';
  return status.code();
}

}  // namespace

void add_info_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, opt] = add_command<InfoOptions>(
      app, status, "info", "Container, codec, sample rate, channels, duration and tags of audio files", run);
  cmd->add_option("files", opt->files, "Audio files (any format FFmpeg reads)")->required();
  add_json_flag(cmd, opt->json, "an array, one object per file");
  cmd->add_flag("--fast", opt->headers_only,
                "Read headers only: faster, but does not prove the audio decodes, and durations are the header's");
}

}  // namespace soundalike::app
