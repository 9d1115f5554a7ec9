#pragma once
// Checks shared by `imc pack validate` and `imc transcript validate`: loading a pack folder with
// messages that name files as the user wrote the folder, and the rules that tie a transcript to
// the pack it was recorded from.
#include "imc/casepack.h"
#include "imc/transcript.h"

#include <optional>
#include <string>

namespace imc::cli {

// Why `folder` cannot be a case pack (missing, not a folder, no manifest.json), phrased with
// what to do about it; nullopt when it looks like one.
std::optional<std::string> pack_folder_problem(const std::string &folder);

// load_case_pack over the folder; error file names include the folder ("assets/demo/cases/x.json").
Result<CasePack> load_pack_folder(const std::string &folder, bool verify_images);

// A transcript belongs to `pack` when its case_id names a case of the pack, every image a turn
// shows is one of that case's images, and its pack_hash, when recorded, is the pack's content
// hash. Problems are appended to `errors` with `source` as the file.
void check_transcript_against_pack(const Transcript &transcript, const CasePack &pack,
                                   const std::string &source, Errors &errors);

struct PackReport {
  Errors errors; // every problem found, file names including the folder
  size_t cases = 0;
  size_t transcripts = 0;
  size_t images = 0; // distinct image files read and verified
};

// Everything `imc pack validate` checks: the manifest, every case, every image (hash and
// decoding), every bundled transcript (format and, when the pack loads, the checks above).
PackReport validate_pack_folder(const std::string &folder);

} // namespace imc::cli
