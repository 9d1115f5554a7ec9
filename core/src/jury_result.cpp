// A transcript's verdicts per dimension, and panel statistics across transcripts
// (jury_result.h). The numbers themselves come from imc/stats.
#include "imc/jury_result.h"

#include <algorithm>

namespace imc {

namespace {

size_t index_of(std::vector<std::string> &names, const std::string &name) {
  const auto it = std::find(names.begin(), names.end(), name);
  if (it != names.end())
    return size_t(it - names.begin());
  names.push_back(name);
  return names.size() - 1;
}

void summarise(DimensionResult &r) {
  stats::PanelScores scores;
  for (const auto &j : r.jurors)
    scores.push_back(j.score);
  r.mean = stats::panel_mean(scores);
  r.median = stats::panel_median(scores);
  r.majority = stats::majority_vote(scores);
  r.scored = size_t(std::count_if(scores.begin(), scores.end(),
                                  [](const std::optional<int> &s) { return s.has_value(); }));
  if (r.scored >= 2) {
    int low = 5, high = 1;
    for (const auto &s : scores)
      if (s) {
        low = std::min(low, *s);
        high = std::max(high, *s);
      }
    r.spread = high - low;
  }
  stats::RatingMatrix one_item(1);
  for (const auto &s : scores)
    one_item[0].push_back(s ? std::optional<double>(*s) : std::nullopt);
  const auto bias = stats::juror_bias(one_item);
  for (size_t j = 0; j < r.jurors.size() && j < bias.size(); ++j)
    if (bias[j])
      r.jurors[j].deviation = bias[j]->mean_difference;
}

} // namespace

std::optional<double> JuryResult::overall() const {
  double sum = 0;
  for (const auto &d : dimensions) {
    if (!d.mean)
      return std::nullopt;
    sum += *d.mean;
  }
  return sum / double(dimensions.size());
}

JuryResult aggregate_verdicts(const std::string &transcript_id,
                              const std::vector<JurorVerdict> &verdicts,
                              const std::vector<std::string> &panel) {
  JuryResult result;
  result.transcript_id = transcript_id;
  std::vector<std::string> jurors = panel;
  // The counting verdict of each (juror, dimension).
  std::vector<std::array<const JurorVerdict *, 3>> chosen;
  for (const auto &v : verdicts) {
    if (v.transcript_id != transcript_id)
      continue;
    const size_t j = index_of(jurors, v.juror_endpoint);
    if (chosen.size() < jurors.size())
      chosen.resize(jurors.size(), {nullptr, nullptr, nullptr});
    const JurorVerdict *&slot = chosen[j][size_t(v.dimension)];
    if (!slot || slot->created_at <= v.created_at) // RFC 3339 UTC of one shape sorts as text
      slot = &v;
  }
  for (const Dimension d : kDimensions) {
    DimensionResult &r = result.dimensions[size_t(d)];
    r.dimension = d;
    for (const auto &row : chosen)
      if (const JurorVerdict *v = row[size_t(d)])
        r.jurors.push_back(JurorScore{v->juror_endpoint, v->juror_model, v->status,
                                      stats::usable_score(*v), v->rationale, std::nullopt});
    summarise(r);
  }
  return result;
}

PanelRatings panel_ratings(const std::vector<JuryResult> &results,
                           std::optional<Dimension> dimension) {
  PanelRatings out;
  for (const auto &result : results)
    for (const Dimension d : kDimensions) {
      if (dimension && d != *dimension)
        continue;
      std::vector<std::optional<double>> row;
      for (const auto &juror : result[d].jurors) {
        const size_t j = index_of(out.jurors, juror.juror_endpoint);
        if (row.size() <= j)
          row.resize(j + 1);
        if (juror.score)
          row[j] = *juror.score;
      }
      out.ratings.push_back(std::move(row));
    }
  return out;
}

std::vector<JurorBiasEntry> panel_bias(const std::vector<JuryResult> &results,
                                       std::optional<Dimension> dimension) {
  const PanelRatings ratings = panel_ratings(results, dimension);
  const auto bias = stats::juror_bias(ratings.ratings);
  std::vector<JurorBiasEntry> out;
  for (size_t j = 0; j < ratings.jurors.size(); ++j)
    out.push_back({ratings.jurors[j], j < bias.size() ? bias[j] : std::nullopt});
  return out;
}

Result<stats::KrippendorffAlpha> panel_agreement(const std::vector<JuryResult> &results,
                                                 Dimension dimension, stats::Metric metric) {
  return stats::krippendorff_alpha(panel_ratings(results, dimension).ratings, metric);
}

} // namespace imc
