// App::apply for navigation, replay, filters, the image view, views and tabs, and settings.
#include "app.h"

#include "imc/http.h"

#include <algorithm>

namespace imc::ui {

void App::rebuild_case_list() {
  if (!state_.pack) {
    state_.case_list = CaseListView{};
    return;
  }
  state_.case_list = build_case_list(state_.pack->cases, state_.case_filter);
}

void App::set_shown(int shown, bool reveal) {
  const Transcript *t = state_.current_transcript();
  const int n = t ? static_cast<int>(t->turns.size()) : 0;
  const int before = state_.replay.shown;
  state_.replay.shown = std::clamp(shown, 0, n);
  if (reveal && state_.replay.shown == before + 1) {
    state_.replay.reveal_turn = state_.replay.shown - 1;
    state_.replay.reveal_started_at = state_.now;
  } else if (state_.replay.reveal_turn >= state_.replay.shown || !reveal) {
    state_.replay.reveal_turn = -1;
  }
}

void App::on(const SelectCase &a) {
  if (!state_.pack) return;
  for (size_t i = 0; i < state_.pack->cases.size(); ++i) {
    if (state_.pack->cases[i].id != a.case_id) continue;
    state_.selected_case = static_cast<int>(i);
    state_.selected_image = 0;
    state_.image_view = ImageView{};
    auto ts = state_.transcripts_of_current_case();
    state_.selected_transcript = ts.empty() ? -1 : ts.front();
    const float speed = state_.replay.turns_per_second;
    state_.replay = ReplayState{};
    state_.replay.turns_per_second = speed;
    set_shown(1, false);
    state_.compare = CompareState{};
    state_.wire_log.selected = -1;
    request_images_of_current_case();
    if (state_.api.available()) load_case_transcripts();
    return;
  }
  state_.errors.push_back("No case with id '" + a.case_id + "' in this pack");
}

void App::on(const SelectTranscript &a) {
  for (size_t i = 0; i < state_.transcripts.size(); ++i) {
    if (state_.transcripts[i].id != a.transcript_id) continue;
    const std::string case_id = state_.transcripts[i].case_id;
    if (state_.current_case() == nullptr || state_.current_case()->id != case_id) {
      if (state_.pack && state_.pack->find_case(case_id)) {
        apply(SelectCase{case_id});
      } else {
        state_.errors.push_back("Transcript '" + a.transcript_id + "' is of case '" + case_id +
                                "', which this pack does not have");
        return;
      }
    }
    const float speed = state_.replay.turns_per_second;
    state_.selected_transcript = static_cast<int>(i);
    state_.replay = ReplayState{};
    state_.replay.turns_per_second = speed;
    set_shown(1, false);
    if (state_.compare.right_id == a.transcript_id) state_.compare.right_id.clear();
    state_.compare.anchor = 0;
    state_.wire_log.selected = -1;
    state_.open_error = ApiError{};
    return;
  }
  if (state_.api.available()) {
    state_.opening_transcript = a.transcript_id;
    state_.open_error = ApiError{};
    request(ApiPurpose::transcript, a.transcript_id, "GET",
            "/api/transcripts/" + percent_encode(a.transcript_id));
    return;
  }
  state_.errors.push_back("No transcript with id '" + a.transcript_id + "'");
}

void App::on(const SelectImage &a) {
  const Case *c = state_.current_case();
  if (c && a.index >= 0 && a.index < static_cast<int>(c->images.size())) {
    state_.selected_image = a.index;
    state_.image_view = ImageView{};
  }
}

void App::on(const ReplayStep &a) { set_shown(state_.replay.shown + a.delta, a.delta == 1); }

void App::on(const ReplaySeek &a) { set_shown(a.shown, false); }

void App::on(const ReplaySetPlaying &a) {
  const Transcript *t = state_.current_transcript();
  state_.replay.playing = a.playing && t != nullptr;
  if (state_.replay.playing && state_.replay.shown >= static_cast<int>(t->turns.size())) {
    set_shown(1, false); // play again from the start
  }
  state_.replay.next_step_at =
      state_.now + 1.0 / std::max(kMinReplaySpeed, state_.replay.turns_per_second);
}

void App::on(const SetReplaySpeed &a) {
  state_.replay.turns_per_second = std::clamp(a.turns_per_second, kMinReplaySpeed, kMaxReplaySpeed);
  if (state_.replay.playing) {
    state_.replay.next_step_at = state_.now + 1.0 / state_.replay.turns_per_second;
  }
}

void App::on(const SetCaseFilter &a) {
  state_.case_filter.text = a.text;
  rebuild_case_list();
}

void App::on(const ToggleFacet &a) {
  auto &selected = state_.case_filter.selected[static_cast<size_t>(a.facet)];
  if (!selected.erase(a.value)) selected.insert(a.value);
  rebuild_case_list();
}

void App::on(const ClearFacets &) {
  state_.case_filter = CaseFilter{};
  rebuild_case_list();
}

void App::on(const SetImageView &a) { state_.image_view = a.view; }

void App::on(const SetView &a) { state_.view = a.view; }

void App::on(const SetTab &a) {
  state_.view = View::explore;
  state_.tab = a.tab;
}

void App::on(const SetOverlay &a) { state_.overlay = a.overlay; }

void App::on(const FocusJumpToTurn &) {
  state_.view = View::explore;
  state_.tab = Tab::conversation;
  state_.cache.focus_jump_input = true;
}

void App::on(const CopyText &a) {
  platform_.copy_to_clipboard(a.text);
  state_.notice = "Copied " + std::to_string(a.text.size()) + " characters to the clipboard";
}

void App::on(const ChangeSettings &a) {
  Settings next = a.settings;
  next.font_scale = std::clamp(next.font_scale, kMinFontScale, kMaxFontScale);
  const Settings before = state_.settings;
  save_settings(platform_, before, next);
  state_.settings = next;
  apply_settings_to_imgui(next);
  if (before.proxy != next.proxy && platform_.uses_proxy_address()) {
    platform_.set_api_base(next.proxy);
    state_.api = ApiStatus{};
    request(ApiPurpose::health, "", "GET", "/api/health");
  }
}

void App::on(const SetCompareTranscript &a) {
  state_.compare.right_id = a.transcript_id;
  state_.compare.anchor = 0;
  state_.compare.source = -1;
  // A transcript of the store not loaded yet: fetch it (it shows when it arrives).
  if (!state_.find_transcript(a.transcript_id) && state_.api.available()) {
    request(ApiPurpose::transcript, a.transcript_id, "GET", "/api/transcripts/" + percent_encode(a.transcript_id));
  }
}

void App::on(const SyncCompareScroll &a) {
  state_.compare.anchor = std::max(0.0f, a.anchor);
  state_.compare.source = a.source;
}

void App::on(const SelectWireLog &a) { state_.wire_log.selected = a.index; }

void App::on(const SetDashboardCondition &a) { state_.dashboard.condition = a.condition; }

void App::on(const SetDashboardDimension &a) {
  state_.dashboard.dimension = std::clamp(a.dimension, 0, 2);
}

} // namespace imc::ui
