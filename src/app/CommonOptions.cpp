#include "app/CommonOptions.h"

#include "app/FeatureChoice.h"

namespace soundalike::app {
namespace {

std::string with_note(std::string help, const char* note) {
  if (note) help += std::string("; ") + note;
  return help;
}

}  // namespace

CLI::Option* add_db_option(CLI::App* cmd, std::string& db, const char* note) {
  return cmd->add_option("--db", db, with_note("Library database file", note))->required();
}

CLI::Option* add_model_option(CLI::App* cmd, std::string& model, const char* note) {
  return cmd->add_option("--model", model,
                         with_note("A CNN model file from `soundalike train` or `pretrain`; \"default\" = the shipped model", note));
}

CLI::Option* add_features_choice(CLI::App* cmd, std::string& features, const char* note) {
  return cmd->add_option(
      "--features", features,
      with_note(std::string("Feature kind: fusion, timbre (= timbre-v2), timbre-v1, timbre-v2, rhythm, mfcc, or a fusion "
                            "A+B[+C...] of mfcc|timbre|timbre-v1|timbre-v2|rhythm|model|default; "
                            "or use --model alone. Default: ") + kDefaultFeaturesHelp,
                note));
}

void LibraryCli::add(CLI::App* cmd, const char* db_note, const char* model_note) {
  add_db_option(cmd, db, db_note);
  cmd->add_option("--features", features, "Which feature kind to use when the library holds several");
  add_model_option(cmd, model, model_note);
}

void PlaylistCli::add(CLI::App* cmd) {
  for (const PlaylistControlInfo& c : playlist_control_infos()) {
    const std::string flag = "--" + std::string(c.name), help(c.help);
    CLI::Option* o = c.repeatable ? cmd->add_option(flag, lists[std::string(c.name)], help + " (repeatable)")
                                  : cmd->add_option(flag, values[std::string(c.name)], help);
    o->type_name(std::string(c.value))->group("Playlist controls (docs/mixes.md)");
  }
  add_genre_groups_option(cmd, genre_groups)->group("Playlist controls (docs/mixes.md)");
}

CLI::Option* add_genre_groups_option(CLI::App* cmd, std::string& file) {
  return cmd->add_option("--genre-groups", file,
                         "A file of genre groups for genre, exclude-genre and the ignore list: lines 'GROUP = GENRE, GENRE, ...'");
}

PlaylistControls PlaylistCli::controls() const {
  PlaylistControls c;
  for (const auto& [name, list] : lists)
    for (const std::string& v : list) set_playlist_control(c, name, v);
  for (const auto& [name, v] : values)
    if (!v.empty()) set_playlist_control(c, name, v);
  if (!genre_groups.empty()) c.genre_groups = load_genre_groups(genre_groups);
  return c;
}

void SearchCli::add(CLI::App* cmd) {
  add_metric_option(cmd, metric);
  cmd->add_flag("--ann", ann, "Approximate search (HNSW) even for a small library");
  cmd->add_option("--ef-search", ef_search,
                  "HNSW search breadth (approximate search only): lower is faster, higher finds more of the true "
                  "nearest songs (docs/benchmarks.md)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  add_normalize_option(cmd, normalize);
}

SearchOptions SearchCli::options(const std::string& kind) const {
  SearchOptions o;
  o.faiss.metric = parse_metric(metric);
  o.faiss.type = ann ? IndexType::hnsw : IndexType::automatic;
  o.faiss.hnsw_ef_search = ef_search;
  o.timbre.force_filter = ann;
  o.normalize = normalize == "auto" ? default_normalization(kind) : parse_normalization(normalize);
  return o;
}

CLI::Option* add_metric_option(CLI::App* cmd, std::string& metric) {
  return cmd->add_option("--metric", metric, "Distance between vectors: l2 or cosine (timbre kinds use their divergence)")
      ->capture_default_str()
      ->check(CLI::IsMember({"l2", "cosine"}));
}

CLI::Option* add_normalize_option(CLI::App* cmd, std::string& normalize, const char* note) {
  return cmd->add_option("--normalize", normalize,
                         with_note("Rescale distances: auto (mp for timbre, fusion and CNN models, none for mfcc), none, or mp "
                                   "(mutual proximity)",
                                   note))
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "none", "mp"}));
}

CLI::Option* add_k_option(CLI::App* cmd, int& k, const char* help) {
  return cmd->add_option("-k", k, help)->capture_default_str()->check(CLI::Range(1, 1000000));
}

CLI::Option* add_json_flag(CLI::App* cmd, bool& json, const char* shape) {
  return cmd->add_flag("--json", json, with_note("Print JSON on stdout", shape));
}

CLI::Option* add_jobs_option(CLI::App* cmd, int& jobs, const char* note) {
  return cmd->add_option("-j,--jobs", jobs, with_note("Files worked on in parallel (0 = all cores)", note))
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
}

CLI::Option* add_threads_option(CLI::App* cmd, int& threads) {
  return cmd->add_option("--threads", threads, "Threads for decoding and torch (0 = all cores)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
}

void add_labeled_data_options(CLI::App* cmd, std::string& data, size_t& max_clips, double& max_seconds) {
  cmd->add_option("data", data, "DIR/<label>/<audio files>, or a CSV of path,label[,group]")->required();
  cmd->add_option("--max-clips", max_clips, "Use at most this many clips per label (0 = all)")->capture_default_str();
  cmd->add_option("--max-seconds", max_seconds, "Use at most this many seconds from the middle of each file (0 = all)")
      ->capture_default_str();
}

void add_spectrogram_options(CLI::App* cmd, SpectrogramConfig& config) {
  cmd->add_option("--sample-rate", config.sample_rate, "Decode (resample) at this rate, Hz")->capture_default_str();
  cmd->add_option("--n-fft", config.n_fft, "FFT size")->capture_default_str();
  cmd->add_option("--hop", config.hop_length, "Samples between frames")->capture_default_str();
  cmd->add_option("--n-mels", config.n_mels, "Mel bands")->capture_default_str();
  cmd->add_option("--top-db", config.top_db, "dB floor below the loudest bin (0 = none)")->capture_default_str();
  cmd->add_option("--amin", config.amin, "Power floor before the logarithm")->capture_default_str();
}

void add_training_output_flags(CLI::App* cmd, bool& json, bool& quiet) {
  add_json_flag(cmd, json, "the results");
  cmd->add_flag("-q,--quiet", quiet, "No per-epoch lines on stderr");
}

}  // namespace soundalike::app
