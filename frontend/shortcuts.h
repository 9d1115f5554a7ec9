#pragma once
// Every keyboard shortcut, in one table: App reads it to act on keys, the help overlay lists it.
#include <imgui.h>

#include <vector>

namespace imc::ui {

enum class Command {
  next_turn,
  previous_turn,
  first_turn,
  last_turn,
  play_pause,
  slower,
  faster,
  jump_to_turn,
  next_case,
  previous_case,
  tab_conversation,
  tab_compare,
  tab_jury,
  tab_annotate,
  tab_wire_log,
  tab_live,
  toggle_dashboard,
  image_fit,
  image_actual_size,
  image_zoom_in,
  image_zoom_out,
  settings,
  help,
  close_overlay,
};

// A key is either an ImGuiKey_ (named key), a function key (F1..F12, which ImGui 1.86 has no
// name for: the shell maps it, see Platform::function_key_index) or a typed character.
struct KeyBinding {
  enum class Kind { named, function, character } kind = Kind::named;
  int code = 0;             // ImGuiKey_*, the function key number, or the character
};

struct Shortcut {
  Command command;
  std::vector<KeyBinding> keys;
  const char *keys_label;   // "Right arrow"
  const char *description;  // "Next turn"
};

const std::vector<Shortcut> &shortcuts();

} // namespace imc::ui
