#include "shortcuts.h"

namespace imc::ui {
namespace {

KeyBinding named(int key) { return {KeyBinding::Kind::named, key}; }
KeyBinding fkey(int n) { return {KeyBinding::Kind::function, n}; }
KeyBinding chr(char c) { return {KeyBinding::Kind::character, c}; }

} // namespace

const std::vector<Shortcut> &shortcuts() {
  static const std::vector<Shortcut> kShortcuts = {
      {Command::next_turn, {named(ImGuiKey_RightArrow)}, "Right arrow", "Next turn"},
      {Command::previous_turn, {named(ImGuiKey_LeftArrow)}, "Left arrow", "Previous turn"},
      {Command::first_turn, {named(ImGuiKey_Home)}, "Home", "Back to the start"},
      {Command::last_turn, {named(ImGuiKey_End)}, "End", "Show every turn"},
      {Command::play_pause, {named(ImGuiKey_Space)}, "Space", "Play / pause the replay"},
      {Command::slower, {chr('[')}, "[", "Replay slower"},
      {Command::faster, {chr(']')}, "]", "Replay faster"},
      {Command::jump_to_turn, {chr('g')}, "G", "Jump to a turn (type its number, Enter)"},
      {Command::previous_case, {named(ImGuiKey_PageUp)}, "Page up", "Previous case in the list"},
      {Command::next_case, {named(ImGuiKey_PageDown)}, "Page down", "Next case in the list"},
      {Command::tab_conversation, {chr('1')}, "1", "Conversation tab"},
      {Command::tab_compare, {chr('2')}, "2", "Compare tab"},
      {Command::tab_jury, {chr('3')}, "3", "Jury tab"},
      {Command::tab_annotate, {chr('4')}, "4", "Annotate tab"},
      {Command::tab_wire_log, {chr('5')}, "5", "Wire log tab"},
      {Command::tab_live, {chr('6')}, "6", "Live session tab"},
      {Command::toggle_dashboard, {chr('d')}, "D", "Dashboard / back to the cases"},
      {Command::image_fit, {chr('f')}, "F", "Fit the image"},
      {Command::image_actual_size, {chr('0')}, "0", "Image at 1:1"},
      {Command::image_zoom_in, {chr('+'), chr('=')}, "+", "Zoom the image in"},
      {Command::image_zoom_out, {chr('-')}, "-", "Zoom the image out"},
      {Command::settings, {chr(',')}, ",", "Settings"},
      {Command::help, {fkey(1), chr('?')}, "F1 or ?", "This help"},
      {Command::close_overlay, {named(ImGuiKey_Escape)}, "Esc", "Close help or settings"},
  };
  return kShortcuts;
}

} // namespace imc::ui
