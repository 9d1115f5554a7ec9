#pragma once
// The `imc` command line: each command group registers its subcommands on the app.
// Exit codes: 0 success, 2 bad input (message on stderr naming the place), 1 internal failure.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace imc::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitBadInput = 2;

// A subcommand's action returns the exit code; main() runs the one that was chosen.
using CommandAction = std::function<int()>;

void register_pack_commands(CLI::App &app, CommandAction &chosen);
void register_transcript_commands(CLI::App &app, CommandAction &chosen);
void register_serve_command(CLI::App &app, CommandAction &chosen);
void register_store_commands(CLI::App &app, CommandAction &chosen);
void register_chat_commands(CLI::App &app, CommandAction &chosen);
void register_run_command(CLI::App &app, CommandAction &chosen);
void register_score_command(CLI::App &app, CommandAction &chosen);
void register_report_command(CLI::App &app, CommandAction &chosen);

} // namespace imc::cli
