#include "imc/hidden_facts.h"

namespace imc {

namespace {

bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

// Lowercase (ASCII, and U+00C0..U+00DE except U+00D7 as UTF-8 "C3 80..9E"), with every run of
// whitespace collapsed to one space. Byte lengths change only where whitespace collapses, which
// is all a search for a normalised trigger needs.
std::string normalise(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool in_space = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (is_space(c)) {
      if (!in_space)
        out.push_back(' ');
      in_space = true;
      continue;
    }
    in_space = false;
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c + 32));
    } else if (c == 0xC3 && i + 1 < s.size()) {
      const auto next = static_cast<unsigned char>(s[i + 1]);
      out.push_back(static_cast<char>(c));
      out.push_back(
          static_cast<char>(next >= 0x80 && next <= 0x9E && next != 0x97 ? next + 0x20 : next));
      ++i;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ')
    s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ')
    s.remove_suffix(1);
  return s;
}

bool contains_normalised(const std::string &text, std::string_view trigger) {
  if (trigger.empty())
    return false;
  for (size_t at = text.find(trigger); at != std::string::npos; at = text.find(trigger, at + 1)) {
    const size_t end = at + trigger.size();
    const bool starts_word = at == 0 || !is_word_byte(static_cast<unsigned char>(text[at - 1]));
    const bool ends_word =
        end == text.size() || !is_word_byte(static_cast<unsigned char>(text[end]));
    if (starts_word && ends_word)
      return true;
  }
  return false;
}

bool asks_about_normalised(const std::string &text, const HiddenFact &fact) {
  for (const auto &trigger : fact.triggers)
    if (contains_normalised(text, trim_spaces(normalise(trigger))))
      return true;
  return false;
}

} // namespace

bool contains_trigger(std::string_view text, std::string_view trigger) {
  return contains_normalised(normalise(text), trim_spaces(normalise(trigger)));
}

bool asks_about(std::string_view clinician_text, const HiddenFact &fact) {
  return asks_about_normalised(normalise(clinician_text), fact);
}

std::vector<const HiddenFact *> revealable_facts(const std::vector<HiddenFact> &facts,
                                                 const std::vector<std::string> &clinician_texts) {
  std::vector<std::string> texts;
  texts.reserve(clinician_texts.size());
  for (const auto &text : clinician_texts)
    texts.push_back(normalise(text));
  std::vector<const HiddenFact *> out;
  for (const auto &fact : facts)
    for (const auto &text : texts)
      if (asks_about_normalised(text, fact)) {
        out.push_back(&fact);
        break;
      }
  return out;
}

std::vector<const HiddenFact *> revealable_facts_after(const std::vector<HiddenFact> &facts,
                                                       const std::vector<Turn> &turns) {
  std::vector<std::string> clinician_texts;
  for (const auto &turn : turns)
    if (turn.role == Role::clinician)
      clinician_texts.push_back(turn.text);
  return revealable_facts(facts, clinician_texts);
}

} // namespace imc
