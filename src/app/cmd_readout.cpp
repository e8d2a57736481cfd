#include <cstdio>
#include <string>

#include "app/Commands.h"
#include "model/ModelFile.h"

namespace soundalike::app {
namespace {

struct ReadoutCli {
  std::string model, out, pooled_blocks = "all";
};

int run(const ReadoutCli& o) {
  model::write_model_readout(o.model, o.out, o.pooled_blocks);
  std::printf("%s: the weights of %s, song vectors read from %s\n", o.out.c_str(), o.model.c_str(),
              o.pooled_blocks == "all" ? "every block" : "the last block");
  return 0;
}

}  // namespace

void add_readout_command(CLI::App& app, CommandStatus& status) {
  auto [cmd, o] = add_command<ReadoutCli>(
      app, status, "readout",
      "Copy a pretrained model with another song-vector read-out (which blocks' pooled features); weights unchanged",
      run);
  cmd->add_option("model", o->model, "A model file from `soundalike pretrain` (conv4, --embedding pooled)")->required();
  cmd->add_option("--out", o->out, "The new model file")->required();
  cmd->add_option("--pooled-blocks", o->pooled_blocks, "last: the last block's features; all: every block's, concatenated")
      ->capture_default_str()->check(CLI::IsMember({"last", "all"}));
}

}  // namespace soundalike::app
