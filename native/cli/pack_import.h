#pragma once
// `imc pack import`: builds a case pack from a dataset's metadata table and its images.
//
// Nothing partial is ever left at OUT: the pack is written into OUT.tmp-<pid> beside it, checked
// with the same loader `imc pack validate` uses, and renamed into place only when every row
// imported. Rows whose image is missing or does not decode are reported with their row, line and
// column, and then nothing is written.
#include <string>

namespace imc::cli {

struct ImportOptions {
  std::string metadata;         // the CSV table
  std::string images;           // folder holding the images (searched recursively)
  std::string out;              // the pack folder to create
  int max_side = 1024;          // longest side of the written JPEGs, in pixels (never upscaled)
  int quality = 90;             // JPEG quality, 1..100
  std::string name;             // manifest name; default: made from OUT's folder name
  std::string title;            // manifest title; default: "Imported from <table>"
  std::string dataset = "auto"; // auto | pad-ufes-20 | isic | generic
  bool force = false;           // replace a non-empty OUT
};

// Returns the exit code (0 written, 2 bad input, 1 internal failure); messages go to stderr, the
// summary line to stdout.
int run_pack_import(const ImportOptions &options);

} // namespace imc::cli
