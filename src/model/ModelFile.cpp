#include "model/ModelFile.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "common/Error.h"

namespace soundalike::model {

namespace {
constexpr char kMagic[8] = {'S', 'A', 'L', 'M', 'O', 'D', 'E', 'L'};

template <class T>
void put(std::string& out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) out.push_back(char((uint64_t(v) >> (8 * i)) & 0xff));
}
template <class T>
T get(std::string_view in, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v |= uint64_t(uint8_t(in[at + i])) << (8 * i);
  return T(v);
}
}  // namespace

uint64_t fnv1a64(std::string_view bytes, uint64_t h) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string to_hex(uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[size_t(i)] = digits[v & 0xf];
  return s;
}

void to_json(nlohmann::json& j, const BackboneSpec& s) {
  j = nlohmann::json{{"name", s.name}, {"in_channels", s.in_channels}, {"width", s.width}};
}
void from_json(const nlohmann::json& j, BackboneSpec& s) {
  s.name = j.at("name").get<std::string>();
  s.in_channels = j.value("in_channels", 1);
  s.width = j.value("width", 0);
}

void to_json(nlohmann::json& j, const ModelMetadata& m) {
  j = nlohmann::json{{"backbone", m.backbone},
                     {"spectrogram", m.spectrogram},
                     {"window_frames", m.window_frames},
                     {"eval_windows", m.eval_windows},
                     {"embedding_size", m.embedding_size},
                     {"pooling", m.pooling},
                     {"embedding", m.embedding},
                     {"pooled_blocks", m.pooled_blocks},
                     {"clip_summary", m.clip_summary},
                     {"window_hop", m.window_hop},
                     {"labels", m.labels},
                     {"normalization", {{"mean", m.normalization.mean}, {"std", m.normalization.std}}},
                     {"training", m.training}};
}

void from_json(const nlohmann::json& j, ModelMetadata& m) {
  m.backbone = j.at("backbone").get<BackboneSpec>();
  m.spectrogram = j.at("spectrogram").get<SpectrogramConfig>();
  m.window_frames = j.at("window_frames").get<int>();
  m.eval_windows = j.value("eval_windows", 10);
  m.embedding_size = j.at("embedding_size").get<int>();
  m.labels = j.at("labels").get<std::vector<std::string>>();
  // Absent in models made before these choices existed: the paper's network.
  m.pooling = j.value("pooling", std::string("mean"));
  m.embedding = j.value("embedding", std::string("dense"));
  m.clip_summary = j.value("clip_summary", std::string("mean"));
  m.window_hop = j.value("window_hop", 0);
  m.pooled_blocks = j.value("pooled_blocks", std::string("last"));
  if ((m.pooling != "mean" && m.pooling != "mean_max") || (m.embedding != "dense" && m.embedding != "pooled") ||
      (m.clip_summary != "mean" && m.clip_summary != "mean_std") || m.window_hop < 0 ||
      (m.pooled_blocks != "last" && m.pooled_blocks != "all") ||
      (m.pooled_blocks == "all" && (m.embedding != "pooled" || m.backbone.name != "conv4")))
    throw Error(ExitCode::bad_model,
                "unknown pooling, embedding, pooled blocks, clip summary or window hop in the model's metadata");
  m.normalization.mean = j.at("normalization").at("mean").get<std::vector<float>>();
  m.normalization.std = j.at("normalization").at("std").get<std::vector<float>>();
  m.training = j.value("training", nlohmann::json::object());
}

void write_model_file(const std::filesystem::path& path, const ModelMetadata& metadata, std::string_view weights,
                      std::string_view torchscript) {
  nlohmann::json j = metadata;
  j["format"] = "soundalike-model";
  j["format_version"] = kModelFormatVersion;
  j["blobs"] = nlohmann::json::array({{{"name", "weights"}, {"size", weights.size()}}});
  if (!torchscript.empty()) j["blobs"].push_back({{"name", "torchscript"}, {"size", torchscript.size()}});
  const std::string text = j.dump();
  std::string out(kMagic, sizeof kMagic);
  put<uint32_t>(out, kModelFormatVersion);
  put<uint32_t>(out, 0);
  put<uint64_t>(out, text.size());
  out += text;
  out.append(weights);
  out.append(torchscript);
  put<uint64_t>(out, fnv1a64(out));

  std::filesystem::path tmp = path;
  tmp += ".partial";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f || !f.write(out.data(), std::streamsize(out.size())) || !f.flush())
      throw Error(ExitCode::cannot_write, path.string() + ": cannot write the model file");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw Error(ExitCode::cannot_write, path.string() + ": cannot write the model file: " + ec.message());
}

ModelFileContents read_model_file(const std::filesystem::path& path) {
  auto bad = [&](const std::string& why) { return InputError(ExitCode::bad_model, path, why); };
  std::ifstream f(path, std::ios::binary);
  if (!f) throw bad("cannot open the model file");
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kMagic, 8) != 0)
    throw bad("not a soundalike model file (wrong magic)");
  if (bytes.size() < 24 + 8) throw bad("model file is truncated");
  const auto version = get<uint32_t>(bytes, 8);
  if (version == 0 || version > kModelFormatVersion)
    throw bad("model format version " + std::to_string(version) + " is not supported (this build reads up to " +
              std::to_string(kModelFormatVersion) + ")");
  const auto stored_hash = get<uint64_t>(bytes, bytes.size() - 8);
  const std::string_view body(bytes.data(), bytes.size() - 8);
  const auto json_size = get<uint64_t>(bytes, 16);
  if (json_size > body.size() - 24) throw bad("model file is truncated");
  if (fnv1a64(body) != stored_hash) throw bad("model file is corrupt or truncated (checksum mismatch)");

  ModelFileContents c;
  c.content_hash = to_hex(stored_hash);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body.substr(24, json_size));
    c.metadata = j.get<ModelMetadata>();
  } catch (const std::exception& e) {
    throw bad(std::string("model metadata is invalid: ") + e.what());
  }
  size_t at = 24 + json_size;
  for (const auto& blob : j.value("blobs", nlohmann::json::array())) {
    const auto size = blob.at("size").get<uint64_t>();
    if (size > body.size() - at) throw bad("model file is truncated (blob sizes exceed the file)");
    const std::string name = blob.at("name").get<std::string>();
    if (name == "weights") c.weights.assign(body.substr(at, size));
    else if (name == "torchscript") c.torchscript.assign(body.substr(at, size));
    at += size;
  }
  if (at != body.size()) throw bad("model file has trailing bytes (corrupt)");
  if (c.weights.empty()) throw bad("model file holds no weights");
  const auto& m = c.metadata;
  if (int(m.normalization.mean.size()) != m.spectrogram.n_mels || int(m.normalization.std.size()) != m.spectrogram.n_mels)
    throw bad("normalisation statistics do not match the number of mel bands");
  if (m.window_frames < 8 || m.embedding_size < 1) throw bad("model metadata has impossible sizes");
  return c;
}

void write_model_readout(const std::filesystem::path& from, const std::filesystem::path& to, const std::string& pooled_blocks) {
  ModelFileContents c = read_model_file(from);
  c.metadata.pooled_blocks = pooled_blocks;
  try {
    // The reader's own checks decide whether the model can be read out this way.
    nlohmann::json j = c.metadata;
    j.get<ModelMetadata>();
  } catch (const std::exception&) {
    throw InputError(ExitCode::bad_model, from,
                     "cannot read its song vectors from '" + pooled_blocks +
                         "' blocks: every-block read-out needs a conv4 backbone with a pooled embedding");
  }
  write_model_file(to, c.metadata, c.weights, c.torchscript);
}

}  // namespace soundalike::model
