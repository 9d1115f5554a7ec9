#pragma once
// Internal: the interned tables behind ReportInput. A million verdict rows become 8-byte
// records; strings are stored once per transcript, case, model, condition and juror.
#include "imc/report.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace imc::report {

// Strings to dense indices, in order of first appearance.
class Interner {
public:
  uint32_t intern(std::string_view name);
  // The index of `name`, or -1.
  int64_t find(std::string_view name) const;
  const std::vector<std::string> &names() const { return names_; }
  size_t size() const { return names_.size(); }

private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> index_;
};

struct ReportInput::Data {
  struct TranscriptEntry {
    std::string id;
    uint32_t case_index = 0;
    uint32_t model_index = 0;
    uint32_t condition_index = 0;
    uint32_t valid_from = 0;     // verdicts before this position were forgotten
    uint64_t seen[3] = {0, 0, 0}; // jurors 0..63 with a verdict, per dimension
  };
  struct PackedVerdict {
    uint32_t transcript = 0;
    uint16_t juror = 0;
    uint8_t dimension = 0;
    int8_t score = 0; // 1..5, 0 = no score (unparseable or error)
  };

  std::vector<TranscriptEntry> transcripts;
  std::unordered_map<std::string, uint32_t> transcript_index;
  uint32_t last_transcript = UINT32_MAX;

  Interner cases;
  Interner conditions;
  Interner jurors;
  std::vector<ModelKey> models;
  std::unordered_map<std::string, uint32_t> model_index; // clinician + '\n' + model

  std::vector<PackedVerdict> verdicts;
  std::unordered_map<std::string, CaseLabels> labels;
  std::vector<ExpertAnnotation> annotations;
  std::vector<std::string> allowed_jurors; // empty = all

  std::vector<std::string> repeats;
  std::unordered_set<uint32_t> repeated;
  std::unordered_set<uint64_t> seen_wide; // (transcript, dimension, juror >= 64)
};

} // namespace imc::report
