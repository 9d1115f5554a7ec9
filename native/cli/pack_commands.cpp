// imc pack validate|info|import — placeholder until the pack commands land.
#include "cli.h"

namespace imc::cli {
void register_pack_commands(CLI::App &, CommandAction &) {}
} // namespace imc::cli
