#pragma once
// Each command adds its subcommand to the app; when it runs it stores its exit code in `status`.
// Commands are thin: parsing and printing here, the work in soundalike_core.
#include <CLI/CLI.hpp>

#include <memory>

namespace soundalike::app {

struct CommandStatus {
  int code = 0;
};

// The subcommand and its options, which the caller declares on them.
template <class Options>
struct Command {
  CLI::App* cmd;
  Options* options;
};

// Adds the subcommand `name`. Its options live in one Options object that the callback shares (CLI11
// keeps references to the fields until parsing ends); when the subcommand is chosen, `run` gets them and
// its result becomes the exit status.
template <class Options, class Run>
Command<Options> add_command(CLI::App& app, CommandStatus& status, const char* name, const char* description, Run run) {
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(name, description);
  cmd->callback([options, run, &status] { status.code = run(*options); });
  return {cmd, options.get()};
}

void add_info_command(CLI::App& app, CommandStatus& status);
void add_spectrogram_command(CLI::App& app, CommandStatus& status);
void add_synth_command(CLI::App& app, CommandStatus& status);
void add_index_command(CLI::App& app, CommandStatus& status);
void add_similar_command(CLI::App& app, CommandStatus& status);
void add_path_command(CLI::App& app, CommandStatus& status);
void add_ignore_command(CLI::App& app, CommandStatus& status);
void add_user_command(CLI::App& app, CommandStatus& status);
void add_map_command(CLI::App& app, CommandStatus& status);
void add_stats_command(CLI::App& app, CommandStatus& status);
void add_train_command(CLI::App& app, CommandStatus& status);
void add_evaluate_command(CLI::App& app, CommandStatus& status);
void add_embed_command(CLI::App& app, CommandStatus& status);
void add_classify_command(CLI::App& app, CommandStatus& status);
void add_compare_command(CLI::App& app, CommandStatus& status);
void add_serve_command(CLI::App& app, CommandStatus& status);
void add_evaluate_retrieval_command(CLI::App& app, CommandStatus& status);
void add_pretrain_command(CLI::App& app, CommandStatus& status);
void add_mpd_command(CLI::App& app, CommandStatus& status);
void add_readout_command(CLI::App& app, CommandStatus& status);

}  // namespace soundalike::app
