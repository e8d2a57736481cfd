#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "app/Commands.h"
#include "app/CommonOptions.h"
#include "audio/AudioDecoder.h"
#include "common/Image.h"
#include "features/MelSpectrogram.h"
#include "features/SpectrogramImage.h"

namespace soundalike::app {
namespace {

struct SpectrogramOptions {
  std::string file;
  std::string out;
  double offset = 0.0;
  std::optional<double> duration;
  SpectrogramConfig config;
  SpectrogramImageOptions image;
  std::string palette = "magma";
};

int run(SpectrogramOptions o) {
  o.config.validate();
  o.image.floor_db = o.config.top_db > 0 ? -o.config.top_db : -80.0f;
  o.image.palette = o.palette == "viridis" ? Palette::viridis : Palette::magma;
  DecodeOptions d;
  d.sample_rate = o.config.sample_rate;
  d.offset = o.offset;
  d.duration = o.duration;
  const DecodedAudio audio = AudioDecoder(d).decode(o.file);
  const Spectrogram spec = MelSpectrogram(o.config).compute(audio.samples);
  const RgbImage image = render_spectrogram(spec, o.image);
  write_png(o.out, image);
  std::cout << "wrote " << o.out << " (" << image.width() << "x" << image.height() << " px, " << spec.n_frames
            << " frames x " << spec.n_mels << " mel bands, " << audio.seconds() << " s of " << o.file << ")\n";
  return 0;
}

}  // namespace

void add_spectrogram_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, opt] = add_command<SpectrogramOptions>(
      app, status, "spectrogram", "Draw the log-mel spectrogram of an audio file as a PNG", run);
  cmd->add_option("file", opt->file, "Audio file")->required();
  cmd->add_option("-o,--out", opt->out, "Output PNG")->required();
  cmd->add_option("--offset", opt->offset, "Start at this many seconds")->check(CLI::NonNegativeNumber);
  cmd->add_option("--duration", opt->duration, "Draw only this many seconds")->check(CLI::PositiveNumber);
  add_spectrogram_options(cmd, opt->config);
  cmd->add_option("--band-height", opt->image.band_height, "Pixels per mel band")
      ->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--max-width", opt->image.max_width, "Longer spectrograms are averaged down to this width")
      ->capture_default_str()->check(CLI::Range(16, 100000));
  cmd->add_option("--palette", opt->palette, "Colour scale")->check(CLI::IsMember({"magma", "viridis"}))
      ->capture_default_str();
}

}  // namespace soundalike::app
