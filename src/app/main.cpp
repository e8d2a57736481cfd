// soundalike: the command-line front end. Errors from the core arrive as exceptions carrying an exit
// code; this is the one place that turns them into a message and a status.
#include <cstdio>
#include <exception>
#include <string>

#include "app/Commands.h"
#include "app/Environment.h"
#include "common/Error.h"
#include "common/HeapPolicy.h"
#include "soundalike/Version.h"

int main(int argc, char** argv) {
  using namespace soundalike;
  if (app::runs_multithreaded_torch(argc, argv)) app::prefer_passive_openmp(argv);
  keep_large_blocks_for_reuse();
  CLI::App app{"soundalike: give it a song you like, get the songs of your library that sound alike."};
  app.set_version_flag("--version", std::string("soundalike ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough();
  app::CommandStatus status;
  app::add_info_command(app, status);
  app::add_spectrogram_command(app, status);
  app::add_synth_command(app, status);
  app::add_index_command(app, status);
  app::add_similar_command(app, status);
  app::add_path_command(app, status);
  app::add_ignore_command(app, status);
  app::add_user_command(app, status);
  app::add_map_command(app, status);
  app::add_stats_command(app, status);
  app::add_train_command(app, status);
  app::add_evaluate_command(app, status);
  app::add_embed_command(app, status);
  app::add_classify_command(app, status);
  app::add_compare_command(app, status);
  app::add_serve_command(app, status);
  app::add_evaluate_retrieval_command(app, status);
  app::add_pretrain_command(app, status);
  app::add_readout_command(app, status);
  app::add_mpd_command(app, status);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, version or the parse error
    return code == 0 ? 0 : int(ExitCode::usage);
  } catch (const Error& e) {
    std::fprintf(stderr, "soundalike: %s\n", e.what());
    return int(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "soundalike: internal error: %s\n", e.what());
    return int(ExitCode::internal);
  }
  return status.code;
}
