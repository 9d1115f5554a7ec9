#include "case_filter.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace imc::ui {

const char *facet_title(Facet facet) {
  switch (facet) {
  case Facet::diagnosis: return "Diagnosis";
  case Facet::malignancy: return "Malignancy";
  case Facet::rarity: return "Rarity";
  case Facet::modality: return "Modality";
  }
  return "";
}

const char *facet_key(Facet facet) {
  switch (facet) {
  case Facet::diagnosis: return "diagnosis";
  case Facet::malignancy: return "malignancy";
  case Facet::rarity: return "rarity";
  case Facet::modality: return "modality";
  }
  return "";
}

bool CaseFilter::active() const {
  if (!text.empty()) return true;
  for (const auto &s : selected) {
    if (!s.empty()) return true;
  }
  return false;
}

bool contains_case_insensitive(const std::string &haystack, const std::string &needle) {
  if (needle.empty()) return true;
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) {
                          return std::tolower(static_cast<unsigned char>(a)) ==
                                 std::tolower(static_cast<unsigned char>(b));
                        });
  return it != haystack.end();
}

std::vector<std::string> facet_values(const Case &c, Facet facet) {
  switch (facet) {
  case Facet::diagnosis: return {c.labels.diagnosis};
  case Facet::malignancy: return {to_string(c.labels.malignancy)};
  case Facet::rarity: return {to_string(c.labels.rarity)};
  case Facet::modality: {
    std::vector<std::string> out;
    for (const auto &img : c.images) {
      const std::string m = to_string(img.modality);
      if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
    }
    return out;
  }
  }
  return {};
}

CaseListView build_case_list(const std::vector<Case> &cases, const CaseFilter &filter) {
  CaseListView view;
  view.total = static_cast<int>(cases.size());
  std::array<std::map<std::string, int>, kFacetCount> counts;
  std::array<std::vector<std::string>, kFacetCount> values;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case &c = cases[i];
    const std::string &t = filter.text;
    if (!(contains_case_insensitive(c.title, t) || contains_case_insensitive(c.id, t) ||
          contains_case_insensitive(c.labels.diagnosis, t) ||
          contains_case_insensitive(c.labels.category, t))) {
      continue;
    }
    std::array<bool, kFacetCount> match{};
    int misses = 0;
    for (int f = 0; f < kFacetCount; ++f) {
      values[f] = facet_values(c, static_cast<Facet>(f));
      const auto &sel = filter.selected[f];
      match[f] = sel.empty() || std::any_of(values[f].begin(), values[f].end(),
                                            [&](const std::string &v) { return sel.count(v) > 0; });
      misses += !match[f];
    }
    if (misses == 0) view.visible.push_back(static_cast<int>(i));
    // A facet's option counts ignore that facet's own selection.
    for (int f = 0; f < kFacetCount; ++f) {
      if (misses - !match[f] != 0) {
        for (const auto &v : values[f]) counts[f].emplace(v, 0);
        continue;
      }
      for (const auto &v : values[f]) ++counts[f][v];
    }
  }
  // Options also cover selected values that no longer match anything, so they can be cleared.
  for (int f = 0; f < kFacetCount; ++f) {
    for (const auto &v : filter.selected[f]) counts[f].emplace(v, 0);
    for (const auto &[value, n] : counts[f]) {
      view.options[f].push_back(FacetOption{value, n, filter.selected[f].count(value) > 0});
    }
  }
  return view;
}

} // namespace imc::ui
