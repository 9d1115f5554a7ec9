// Chat bubbles: one per turn, with the turn's metadata (latency, time to first token, tokens), a
// copy button, and a typing indicator for text that is still streaming in. Only the visible
// bubbles are drawn; their heights are measured once per pane, width and font size.
#include "panels.h"

#include <algorithm>
#include <cmath>

namespace imc::ui {
namespace {

struct Geometry {
  float width = 0;     // the pane's content width
  float bubble_w = 0;
  float text_w = 0;
  float pad = 8;
  float line = 0;
  float gap = 6;       // between bubbles
};

Geometry geometry_for(float width) {
  Geometry g;
  g.width = width;
  g.bubble_w = std::max(std::min(width, 120.0f), width * 0.86f);
  g.text_w = std::max(1.0f, g.bubble_w - 2 * g.pad);
  g.line = ImGui::GetTextLineHeight();
  return g;
}

std::string header_of(const Turn &t) {
  std::string h = t.role == Role::clinician ? "Clinician" : "Patient";
  if (t.latency_ms) h += " · " + format_ms(*t.latency_ms);
  if (t.ttft_ms) h += " · first token " + format_ms(*t.ttft_ms);
  if (t.tokens_in || t.tokens_out) {
    h += " · ";
    if (t.tokens_in) h += std::to_string(*t.tokens_in) + " in / ";
    h += std::to_string(t.tokens_out.value_or(0)) + " out tokens";
  }
  return h;
}

// Lines under the text: images shown with the turn, how it ended, its error.
std::vector<std::string> footer_of(const Turn &t) {
  std::vector<std::string> out;
  if (!t.images.empty()) {
    std::string s = "Shows:";
    for (const auto &img : t.images) s += " " + img.substr(img.find_last_of('/') + 1);
    out.push_back(s);
  }
  if (t.finish_reason == "end_consultation") out.push_back("Ended the consultation");
  else if (t.finish_reason == "length") out.push_back("Cut off: the token limit was reached");
  else if (t.finish_reason == "content_filter") out.push_back("Stopped by the provider's content filter");
  else if (t.finish_reason == "cancelled") out.push_back("Cancelled");
  if (t.error) out.push_back("Error (" + t.error->kind + "): " + t.error->message);
  return out;
}

float bubble_height(const std::string &text, size_t footer_lines, const Geometry &g) {
  const float text_h = ImGui::CalcTextSize(text.c_str(), text.c_str() + text.size(), false, g.text_w).y;
  return g.pad + g.line + 4 + std::max(text_h, g.line) +
         static_cast<float>(footer_lines) * (g.line + 2) + g.pad;
}

void typing_dots(ImDrawList *dl, ImVec2 pos, double now, ImU32 color) {
  for (int k = 0; k < 3; ++k) {
    const float phase = static_cast<float>(std::sin(now * 6.0 - k * 0.9));
    const float alpha = 0.35f + 0.65f * (0.5f + 0.5f * phase);
    ImVec4 c = ImGui::ColorConvertU32ToFloat4(color);
    c.w *= alpha;
    dl->AddCircleFilled(ImVec2(pos.x + 4 + k * 10.0f, pos.y), 3.0f, ImGui::ColorConvertFloat4ToU32(c));
  }
}

// Draws one bubble with its top at `top` (screen y). `shown_chars` < text size while streaming.
void draw_bubble(AppState &state, const Turn &turn, const Geometry &g, ImVec2 origin, float top,
                 float height, size_t shown_chars, bool typing, bool copy_button, bool record,
                 std::vector<Action> &out) {
  const Palette &p = palette(state.settings.dark);
  const bool clinician = turn.role == Role::clinician;
  ImDrawList *dl = ImGui::GetWindowDrawList();
  const float x = clinician ? origin.x + g.width - g.bubble_w : origin.x;
  const float h = height - g.gap;
  dl->AddRectFilled(ImVec2(x, top), ImVec2(x + g.bubble_w, top + h),
                    typing ? p.inflight_bubble : (clinician ? p.clinician_bubble : p.patient_bubble), 8.0f);

  float copy_w = 0;
  if (copy_button) {
    copy_w = ImGui::CalcTextSize("Copy").x + ImGui::GetStyle().FramePadding.x * 2;
    ImGui::SetCursorScreenPos(ImVec2(x + g.bubble_w - g.pad - copy_w, top + g.pad - 2));
    ImGui::PushID(turn.index);
    if (ImGui::SmallButton("Copy")) out.push_back(CopyText{turn.text});
    if (record) record_widget(state, "copy:" + std::to_string(turn.index));
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Copy this turn's text");
    ImGui::PopID();
  }
  const std::string header = header_of(turn);
  const std::string header_fit = fit_text(header, g.text_w - copy_w - 6);
  dl->AddText(ImVec2(x + g.pad, top + g.pad), p.bubble_meta, header_fit.c_str());
  if (header_fit != header &&
      ImGui::IsMouseHoveringRect(ImVec2(x, top), ImVec2(x + g.bubble_w - copy_w, top + g.pad + g.line))) {
    ImGui::SetTooltip("%s", header.c_str());
  }
  size_t end = std::min(shown_chars, turn.text.size());
  while (end > 0 && end < turn.text.size() && (static_cast<unsigned char>(turn.text[end]) & 0xC0) == 0x80) --end;
  const float text_y = top + g.pad + g.line + 4;
  dl->AddText(nullptr, 0.0f, ImVec2(x + g.pad, text_y), p.bubble_text, turn.text.c_str(),
              turn.text.c_str() + end, g.text_w);
  if (typing) {
    const ImVec2 done = ImGui::CalcTextSize(turn.text.c_str(), turn.text.c_str() + end, false, g.text_w);
    typing_dots(dl, ImVec2(x + g.pad + std::min(done.x + 6, g.text_w - 30), text_y + std::max(done.y, g.line) - g.line / 2),
                state.now, p.bubble_meta);
  }
  const auto footer = footer_of(turn);
  float y = top + h - g.pad - static_cast<float>(footer.size()) * (g.line + 2);
  for (const auto &line : footer) {
    const ImU32 color = line.rfind("Error", 0) == 0 ? p.error_text : p.bubble_meta;
    dl->AddText(ImVec2(x + g.pad, y), color, fit_text(line, g.text_w).c_str());
    y += g.line + 2;
  }
}

} // namespace

float turn_at(const std::vector<float> &offsets, float y) {
  if (offsets.size() < 2) return 0;
  auto it = std::upper_bound(offsets.begin(), offsets.end(), y);
  const size_t i = std::min<size_t>(offsets.size() - 2, it == offsets.begin() ? 0 : size_t(it - offsets.begin()) - 1);
  const float h = std::max(1.0f, offsets[i + 1] - offsets[i]);
  return static_cast<float>(i) + std::clamp((y - offsets[i]) / h, 0.0f, 1.0f);
}

float offset_of(const std::vector<float> &offsets, float turn) {
  if (offsets.size() < 2) return 0;
  const size_t i = std::min<size_t>(offsets.size() - 2, static_cast<size_t>(std::max(0.0f, turn)));
  const float frac = std::clamp(turn - static_cast<float>(i), 0.0f, 1.0f);
  return offsets[i] + frac * (offsets[i + 1] - offsets[i]);
}

const std::vector<float> &draw_turn_list(AppState &state, const std::string &pane,
                                         const std::string &owner, const std::vector<Turn> &turns,
                                         const TurnListOptions &opt, std::vector<Action> &out) {
  const Geometry g = geometry_for(ImGui::GetContentRegionAvail().x);
  const int count = std::clamp(opt.count, 0, static_cast<int>(turns.size()));
  BubbleLayout &layout = state.cache.bubbles[pane];
  const std::string key = owner + "#" + std::to_string(turns.size());
  if (layout.owner != key || layout.width != g.width || layout.font_size != ImGui::GetFontSize()) {
    layout = BubbleLayout{key, g.width, ImGui::GetFontSize(), {0.0f}, -1, 0};
  }
  while (static_cast<int>(layout.offsets.size()) <= count) {
    const Turn &t = turns[layout.offsets.size() - 1];
    layout.offsets.push_back(layout.offsets.back() + bubble_height(t.text, footer_of(t).size(), g) + g.gap);
  }

  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const float scroll = ImGui::GetScrollY();
  const float view_h = ImGui::GetWindowHeight();
  const auto &offsets = layout.offsets;
  auto first = std::upper_bound(offsets.begin(), offsets.begin() + count + 1, scroll);
  int i = std::max(0, static_cast<int>(first - offsets.begin()) - 1);
  for (; i < count && offsets[static_cast<size_t>(i)] < scroll + view_h; ++i) {
    const Turn &t = turns[static_cast<size_t>(i)];
    const bool revealing = i == opt.reveal_turn;
    const float top = offsets[static_cast<size_t>(i)];
    draw_bubble(state, t, g, origin, origin.y + top, offsets[static_cast<size_t>(i) + 1] - top,
                revealing ? opt.reveal_chars : t.text.size(), revealing && opt.reveal_chars < t.text.size(),
                true, opt.record_widgets, out);
  }
  float total = offsets[static_cast<size_t>(count)];
  if (!opt.inflight_role.empty()) {
    Turn inflight;
    inflight.index = count;
    inflight.role = opt.inflight_role == "patient" ? Role::patient : Role::clinician;
    inflight.text = opt.inflight_text;
    const float h = bubble_height(inflight.text, 0, g) + g.gap;
    draw_bubble(state, inflight, g, origin, origin.y + total, h, inflight.text.size(), true, false,
                false, out);
    total += h;
  }
  ImGui::SetCursorScreenPos(ImVec2(origin.x, origin.y + total));
  ImGui::Dummy(ImVec2(1, 1));

  // Follow the newest turn (and text still streaming in).
  const size_t streamed = opt.inflight_text.size() + (opt.reveal_turn >= 0 ? opt.reveal_chars : 0);
  if (opt.follow && (layout.followed_count != count || layout.followed_chars != streamed)) {
    ImGui::SetScrollY(total);
    layout.followed_count = count;
    layout.followed_chars = streamed;
  }
  return layout.offsets;
}

} // namespace imc::ui
