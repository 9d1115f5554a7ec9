// imc transcript validate: checks a transcript document or a JSON Lines file of them, and
// optionally that they belong to a case pack.
#include "cli.h"
#include "fs_pack_files.h"
#include "pack_checks.h"

#include "imc/transcript.h"

#include <cstdio>
#include <memory>
#include <optional>

namespace imc::cli {

namespace {

constexpr const char *kCommand = "imc transcript validate";

struct ValidateOptions {
  std::string file;
  std::string pack;
};

bool is_json_lines(const std::string &file) {
  auto ends_with = [&](const char *suffix) {
    const std::string s(suffix);
    return file.size() >= s.size() && file.compare(file.size() - s.size(), s.size(), s) == 0;
  };
  return ends_with(".jsonl") || ends_with(".ndjson");
}

// The transcripts of `text` with the source name each is reported under: the file itself, or
// "FILE:LINE" for each non-blank line of a JSON Lines file.
std::vector<std::pair<std::string, Result<Transcript>>> parse_all(const std::string &file,
                                                                  const std::string &text) {
  std::vector<std::pair<std::string, Result<Transcript>>> out;
  if (!is_json_lines(file)) {
    out.emplace_back(file, parse_transcript(text, file));
    return out;
  }
  size_t line = 0;
  for (size_t begin = 0; begin < text.size();) {
    size_t end = text.find('\n', begin);
    if (end == std::string::npos) end = text.size();
    ++line;
    std::string_view content(text.data() + begin, end - begin);
    if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
    begin = end + 1;
    if (content.find_first_not_of(" \t") == std::string_view::npos) continue;
    const std::string source = file + ":" + std::to_string(line);
    out.emplace_back(source, parse_transcript(content, source));
  }
  return out;
}

int run_validate(const ValidateOptions &opt) {
  std::optional<CasePack> pack;
  if (!opt.pack.empty()) {
    if (const auto problem = pack_folder_problem(opt.pack)) {
      std::fprintf(stderr, "%s: --pack %s\n", kCommand, problem->c_str());
      return kExitBadInput;
    }
    auto loaded = load_pack_folder(opt.pack, false);
    if (!loaded) {
      for (const auto &e : loaded.errors()) std::fprintf(stderr, "%s\n", e.message().c_str());
      std::fprintf(stderr, "%s: the pack %s does not load; `imc pack validate %s` checks it\n",
                   kCommand, opt.pack.c_str(), opt.pack.c_str());
      return kExitBadInput;
    }
    pack = std::move(loaded).value();
  }

  auto text = read_whole_file(opt.file, opt.file);
  if (!text) {
    for (const auto &e : text.errors()) std::fprintf(stderr, "%s\n", e.message().c_str());
    std::fprintf(stderr, "%s: give a transcript (.json) or a JSON Lines file of them (.jsonl)\n",
                 kCommand);
    return kExitBadInput;
  }

  Errors errors;
  size_t count = 0;
  for (auto &[source, transcript] : parse_all(opt.file, *text)) {
    ++count;
    if (!transcript) {
      errors.insert(errors.end(), transcript.errors().begin(), transcript.errors().end());
      continue;
    }
    if (pack) check_transcript_against_pack(*transcript, *pack, source, errors);
  }
  if (count == 0) errors.push_back({opt.file, "", "at least one transcript, one per line", "none"});

  if (!errors.empty()) {
    for (const auto &e : errors) std::fprintf(stderr, "%s\n", e.message().c_str());
    std::fprintf(stderr, "%s: %zu problem%s in %s\n", kCommand, errors.size(),
                 errors.size() == 1 ? "" : "s", opt.file.c_str());
    return kExitBadInput;
  }
  const std::string against = pack ? ", consistent with pack " + opt.pack : "";
  std::printf("%s: OK — %zu transcript%s%s\n", opt.file.c_str(), count, count == 1 ? "" : "s",
              against.c_str());
  return kExitOk;
}

} // namespace

void register_transcript_commands(CLI::App &app, CommandAction &chosen) {
  CLI::App *transcript = app.add_subcommand("transcript", "Check transcripts");
  transcript->require_subcommand(1);

  auto opt = std::make_shared<ValidateOptions>();
  CLI::App *validate = transcript->add_subcommand(
      "validate",
      "Check a transcript (.json) or a JSON Lines file of transcripts (.jsonl, one per line; "
      "errors name FILE:LINE). With --pack, also check that each names a case of the pack, shows "
      "only that case's images and, when it records one, carries the pack's content hash. Exit "
      "0 when valid, 2 when not");
  validate->add_option("FILE", opt->file, "Transcript file (.json) or JSON Lines file (.jsonl)")
      ->required();
  validate->add_option("--pack", opt->pack, "Case-pack folder the transcripts were recorded from");
  validate->callback([opt, &chosen] { chosen = [opt] { return run_validate(*opt); }; });
}

} // namespace imc::cli
