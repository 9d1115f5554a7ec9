#pragma once
// The case list's search and facet filters (diagnosis, malignancy, rarity, modality), and the
// counts shown next to them. Computed when the filter or the pack changes, never per frame, so a
// list of 100,000 cases stays cheap to draw.
#include "imc/casepack.h"

#include <array>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace imc::ui {

enum class Facet { diagnosis, malignancy, rarity, modality };
inline constexpr int kFacetCount = 4;
const char *facet_title(Facet facet);   // "Diagnosis"
const char *facet_key(Facet facet);     // "diagnosis"

struct CaseFilter {
  std::string text;                                  // matched against title, id, diagnosis, category
  std::array<std::set<std::string>, kFacetCount> selected; // per facet; empty = any value
  bool active() const;
};

struct FacetOption {
  std::string value;
  int count = 0;  // cases that would be listed if this option were (also) chosen
  bool selected = false;
};

// What the case list shows for a filter.
struct CaseListView {
  std::vector<int> visible;  // indices into the pack's cases, in pack order
  int total = 0;             // cases in the pack
  std::array<std::vector<FacetOption>, kFacetCount> options; // sorted by value
};

// The values a case has for a facet (a case may hold images of several modalities).
std::vector<std::string> facet_values(const Case &c, Facet facet);

// Cases listed under `filter`: the text matches (case-insensitive substring of title, id,
// diagnosis or category) and, for each facet with a selection, one of the case's values is
// selected. An option's count is the number of cases matching the text and every other facet,
// with this value: what the list would show if the option alone were chosen for its facet.
CaseListView build_case_list(const std::vector<Case> &cases, const CaseFilter &filter);

bool contains_case_insensitive(const std::string &haystack, const std::string &needle);

} // namespace imc::ui
