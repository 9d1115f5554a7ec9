// imc: the IMC Sandbox command line.
#include "cli.h"

#include <cstdio>
#include <exception>

int main(int argc, char **argv) {
  CLI::App app{"imc: image-grounded medical conversations with multimodal models (IMC Sandbox)"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every command");
  imc::cli::CommandAction chosen;
  imc::cli::register_pack_commands(app, chosen);
  imc::cli::register_transcript_commands(app, chosen);
  imc::cli::register_serve_command(app, chosen);
  imc::cli::register_store_commands(app, chosen);
  imc::cli::register_chat_commands(app, chosen);
  imc::cli::register_run_command(app, chosen);
  imc::cli::register_score_command(app, chosen);
  imc::cli::register_report_command(app, chosen);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    const int code = app.exit(e);
    // CLI11 returns 0 for --help; usage errors are bad input.
    return code == 0 ? imc::cli::kExitOk : imc::cli::kExitBadInput;
  }
  if (!chosen) {
    std::fprintf(stderr, "imc: no command given; see imc --help\n");
    return imc::cli::kExitBadInput;
  }
  try {
    return chosen();
  } catch (const std::exception &e) {
    std::fprintf(stderr, "imc: internal error: %s\n", e.what());
    return imc::cli::kExitInternal;
  }
}
