// imc transcript validate — placeholder until the transcript commands land.
#include "cli.h"

namespace imc::cli {
void register_transcript_commands(CLI::App &, CommandAction &) {}
} // namespace imc::cli
