// ReportInput: verdict rows, case labels and annotations, interned for build_report.
#include "report_data.h"

#include <algorithm>
#include <limits>

namespace imc::report {

uint32_t Interner::intern(std::string_view name) {
  // Juror, condition and model tables are small: a scan beats hashing a fresh std::string.
  if (names_.size() <= 16) {
    for (size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == name)
        return static_cast<uint32_t>(i);
  } else if (auto it = index_.find(std::string(name)); it != index_.end()) {
    return it->second;
  }
  const auto id = static_cast<uint32_t>(names_.size());
  names_.emplace_back(name);
  index_.emplace(names_.back(), id);
  return id;
}

int64_t Interner::find(std::string_view name) const {
  auto it = index_.find(std::string(name));
  return it == index_.end() ? -1 : int64_t(it->second);
}

CaseLabels case_labels(const Case &c) {
  CaseLabels labels;
  labels.malignancy = c.labels.malignancy;
  labels.rarity = c.labels.rarity;
  labels.modality = c.images.empty() ? Modality::other : c.images.front().modality;
  return labels;
}

ReportInput::ReportInput() : data_(std::make_unique<Data>()) {}
ReportInput::~ReportInput() = default;
ReportInput::ReportInput(ReportInput &&) noexcept = default;
ReportInput &ReportInput::operator=(ReportInput &&) noexcept = default;

void ReportInput::add_verdict(const VerdictRow &row) {
  Data &d = *data_;
  uint32_t t = d.last_transcript;
  if (t == UINT32_MAX || d.transcripts[t].id != row.transcript_id) {
    std::string id(row.transcript_id);
    auto it = d.transcript_index.find(id);
    if (it != d.transcript_index.end()) {
      t = it->second;
    } else {
      t = static_cast<uint32_t>(d.transcripts.size());
      Data::TranscriptEntry entry;
      entry.case_index = d.cases.intern(row.case_id);
      std::string model_key;
      model_key.reserve(row.clinician.size() + row.model.size() + 1);
      model_key.append(row.clinician).append(1, '\n').append(row.model);
      auto [m, inserted] =
          d.model_index.emplace(std::move(model_key), static_cast<uint32_t>(d.models.size()));
      if (inserted)
        d.models.push_back(ModelKey{std::string(row.clinician), std::string(row.model)});
      entry.model_index = m->second;
      entry.condition_index = d.conditions.intern(row.condition);
      entry.valid_from = static_cast<uint32_t>(d.verdicts.size());
      entry.id = id;
      d.transcripts.push_back(std::move(entry));
      d.transcript_index.emplace(std::move(id), t);
    }
    d.last_transcript = t;
  }
  const uint32_t juror = d.jurors.intern(row.juror);
  const auto dim = static_cast<uint8_t>(row.dimension);
  Data::TranscriptEntry &entry = d.transcripts[t];
  bool repeat;
  if (juror < 64) {
    const uint64_t bit = uint64_t{1} << juror;
    repeat = (entry.seen[dim] & bit) != 0;
    entry.seen[dim] |= bit;
  } else {
    repeat = !d.seen_wide.insert((uint64_t{t} << 24) | (uint64_t{dim} << 20) | juror).second;
  }
  if (repeat && d.repeated.insert(t).second)
    d.repeats.push_back(entry.id);
  const int score = row.score.value_or(0);
  d.verdicts.push_back(Data::PackedVerdict{
      t, static_cast<uint16_t>(std::min<uint32_t>(juror, std::numeric_limits<uint16_t>::max())),
      dim, static_cast<int8_t>(score >= 1 && score <= 5 ? score : 0)});
}

void ReportInput::forget_verdicts(std::string_view transcript_id) {
  Data &d = *data_;
  auto it = d.transcript_index.find(std::string(transcript_id));
  if (it == d.transcript_index.end())
    return;
  Data::TranscriptEntry &entry = d.transcripts[it->second];
  entry.valid_from = static_cast<uint32_t>(d.verdicts.size());
  entry.seen[0] = entry.seen[1] = entry.seen[2] = 0;
  for (auto w = d.seen_wide.begin(); w != d.seen_wide.end();)
    w = (*w >> 24) == it->second ? d.seen_wide.erase(w) : std::next(w);
}

void ReportInput::add_case(const std::string &case_id, const CaseLabels &labels) {
  data_->labels[case_id] = labels;
}

void ReportInput::add_annotation(const ExpertAnnotation &annotation) {
  data_->annotations.push_back(annotation);
}

void ReportInput::restrict_jurors(std::vector<std::string> jurors) {
  data_->allowed_jurors = std::move(jurors);
}

size_t ReportInput::rows_added() const { return data_->verdicts.size(); }

const std::vector<std::string> &ReportInput::transcripts_with_repeats() const {
  return data_->repeats;
}

std::vector<std::string> ReportInput::cases_without_labels() const {
  std::vector<std::string> out;
  for (const std::string &c : data_->cases.names())
    if (!data_->labels.count(c))
      out.push_back(c);
  std::sort(out.begin(), out.end());
  return out;
}

} // namespace imc::report
