#pragma once
// Each command adds its subcommand to the app; when it runs it stores its exit code in `status`.
// Commands are thin: parsing and printing here, the work in soundalike_core.
#include <CLI/CLI.hpp>

namespace soundalike::app {

struct CommandStatus {
  int code = 0;
};

void add_info_command(CLI::App& app, CommandStatus& status);
void add_spectrogram_command(CLI::App& app, CommandStatus& status);
void add_synth_command(CLI::App& app, CommandStatus& status);
void add_index_command(CLI::App& app, CommandStatus& status);
void add_similar_command(CLI::App& app, CommandStatus& status);
void add_path_command(CLI::App& app, CommandStatus& status);
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

}  // namespace soundalike::app
