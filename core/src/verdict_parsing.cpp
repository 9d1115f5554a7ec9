// Reading a juror's verdict out of a model's reply (verdict_parsing.h).
#include "imc/verdict_parsing.h"

#include "text_util.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

namespace imc {

namespace {

using Json = nlohmann::ordered_json; // document order, so "the first rationale" is the writer's

constexpr size_t kMaxObjectBytes = 64 * 1024;
constexpr size_t kMaxBraceCandidates = 512;
constexpr int kMaxJsonDepth = 4;
constexpr size_t kMaxSeparatorBytes = 40;

// One statement of a score found in a reply: a valid score, or `invalid` saying why it is not.
struct Candidate {
  std::optional<int> score;
  std::string invalid;
  std::string rationale;
};

using Candidates = std::vector<Candidate>;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim_chars(std::string_view s, std::string_view chars) {
  while (!s.empty() && chars.find(s.front()) != std::string_view::npos)
    s.remove_prefix(1);
  while (!s.empty() && chars.find(s.back()) != std::string_view::npos)
    s.remove_suffix(1);
  return s;
}

std::string_view trim_space(std::string_view s) { return trim_chars(s, " \t\r\n"); }

// ---------------------------------------------------------------------------------------------
// Numbers

// Judges a number the reply gave as a score. `spelled` is how it was written, for the message.
Candidate judge(double value, const std::string &spelled, std::optional<int> out_of = {}) {
  Candidate c;
  if (out_of && *out_of != 5)
    c.invalid = "score " + spelled + "/" + std::to_string(*out_of) + " is not on the 1..5 scale";
  else if (!std::isfinite(value) || value != std::floor(value))
    c.invalid = "score " + spelled + " is not a whole number";
  else if (value < 1 || value > 5)
    c.invalid = "score " + spelled + " is outside 1..5";
  else
    c.score = static_cast<int>(value);
  return c;
}

struct NumberAt {
  double value = 0;
  std::string spelled;
  std::optional<int> out_of; // the N of "/N" or "out of N"
  size_t end = 0;            // just past what was read
};

bool digit_at(std::string_view text, size_t at) { return at < text.size() && is_digit(text[at]); }

bool starts_with_word(std::string_view text, size_t at, std::string_view lower_word) {
  if (text.size() - at < lower_word.size())
    return false;
  for (size_t i = 0; i < lower_word.size(); ++i)
    if (ascii::lower(text[at + i]) != lower_word[i])
      return false;
  const size_t after = at + lower_word.size();
  return after == text.size() || !is_alnum(text[after]);
}

size_t skip_blanks(std::string_view text, size_t at) {
  while (at < text.size() && (text[at] == ' ' || text[at] == '\t'))
    ++at;
  return at;
}

// Up to three digits, optionally ".ddd": a plausible score, never a year or a count.
std::optional<NumberAt> plain_number_at(std::string_view text, size_t at) {
  size_t i = at;
  while (i < text.size() && is_digit(text[i]) && i - at < 4)
    ++i;
  const size_t int_digits = i - at;
  if (int_digits == 0 || int_digits > 3)
    return std::nullopt;
  if (i + 1 < text.size() && text[i] == '.' && is_digit(text[i + 1])) {
    ++i;
    const size_t frac_begin = i;
    while (i < text.size() && is_digit(text[i]))
      ++i;
    if (i - frac_begin > 3)
      return std::nullopt;
  }
  NumberAt n;
  n.spelled = std::string(text.substr(at, i - at));
  double scale = 1; // parsed by hand: strtod would follow the host program's locale
  bool fraction = false;
  for (char c : n.spelled) {
    if (c == '.') {
      fraction = true;
      continue;
    }
    if (fraction)
      scale /= 10;
    n.value = fraction ? n.value + (c - '0') * scale : n.value * 10 + (c - '0');
  }
  n.end = i;
  return n;
}

// A score written at `at`: "4", "4.5", "4/5", "4 / 5", "4 out of 5". Not a range ("1-5"), an
// ordinal ("3rd"), a percentage, a decimal list ("4,5") or a date ("4/5/2026").
std::optional<NumberAt> score_number_at(std::string_view text, size_t at) {
  auto n = plain_number_at(text, at);
  if (!n)
    return std::nullopt;
  size_t i = n->end;
  if (i < text.size() && (is_alpha(text[i]) || text[i] == '%' || text[i] == '_'))
    return std::nullopt;
  if (i + 1 < text.size() && text[i] == ',' && is_digit(text[i + 1]))
    return std::nullopt;
  // A range: "1-5", "3 - 4", "3–4" (en dash), "3 to 4".
  const size_t j = skip_blanks(text, i);
  if (j < text.size() && text[j] == '-' && digit_at(text, skip_blanks(text, j + 1)))
    return std::nullopt;
  if (text.compare(j, 3, "\xE2\x80\x93") == 0 && digit_at(text, skip_blanks(text, j + 3)))
    return std::nullopt;
  if (starts_with_word(text, j, "to") && digit_at(text, skip_blanks(text, j + 2)))
    return std::nullopt;
  // A denominator.
  size_t k = std::string_view::npos;
  if (j < text.size() && text[j] == '/')
    k = skip_blanks(text, j + 1);
  else if (starts_with_word(text, j, "out")) {
    const size_t of = skip_blanks(text, j + 3);
    if (starts_with_word(text, of, "of"))
      k = skip_blanks(text, of + 2);
  }
  if (k != std::string_view::npos && digit_at(text, k)) {
    const auto d = plain_number_at(text, k);
    if (d && d->value == std::floor(d->value)) {
      if (d->end < text.size() && (is_alnum(text[d->end]) || text[d->end] == '/'))
        return std::nullopt; // "4/5/2026", "4/5th"
      n->out_of = static_cast<int>(d->value);
      n->end = d->end;
    }
  }
  return n;
}

Candidate judge_number(const NumberAt &n) { return judge(n.value, n.spelled, n.out_of); }

// A score given as a JSON string: "4", "4/5", " 4 out of 5 ", "**4**".
Candidate score_from_string(const std::string &s) {
  const std::string_view t = trim_chars(s, " \t\r\n*_`.");
  if (!t.empty()) {
    const bool negative = t.front() == '-';
    const size_t at = negative ? 1 : 0;
    if (at < t.size() && is_digit(t[at])) {
      auto n = score_number_at(t, at);
      if (n && trim_space(t.substr(n->end)).empty()) {
        if (negative) {
          n->value = -n->value;
          n->spelled = "-" + n->spelled;
        }
        return judge_number(*n);
      }
    }
  }
  return Candidate{std::nullopt, "score \"" + s + "\" is not a number", {}};
}

Candidate score_from_json(const Json &v) {
  if (v.is_number_integer())
    return judge(static_cast<double>(v.get<int64_t>()), std::to_string(v.get<int64_t>()));
  if (v.is_number_unsigned())
    return judge(static_cast<double>(v.get<uint64_t>()), std::to_string(v.get<uint64_t>()));
  if (v.is_number_float())
    return judge(v.get<double>(), v.dump());
  if (v.is_string())
    return score_from_string(v.get<std::string>());
  return Candidate{std::nullopt,
                   "score " + std::string(v.is_null() ? "null" : v.type_name()) +
                       " is not a number",
                   {}};
}

// ---------------------------------------------------------------------------------------------
// JSON objects in text

// The index of the '}' closing the '{' at `open`, skipping braces inside "strings"; npos when
// it does not close within kMaxObjectBytes.
size_t matching_brace(std::string_view text, size_t open) {
  int depth = 0;
  bool in_string = false;
  const size_t limit = std::min(text.size(), open + kMaxObjectBytes);
  for (size_t i = open; i < limit; ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

constexpr std::string_view kLeftCurlyQuote = "\xE2\x80\x9C";
constexpr std::string_view kRightCurlyQuote = "\xE2\x80\x9D";

// Copies the string starting at `at` (delimited by `open`, closed by `close`) into `out` as a
// JSON string; returns the index after its closing delimiter (text.size() if unterminated).
size_t copy_string(std::string_view text, size_t at, std::string_view open, std::string_view close,
                   std::string &out) {
  out += '"';
  size_t i = at + open.size();
  while (i < text.size()) {
    if (text.compare(i, close.size(), close) == 0 || (open == kLeftCurlyQuote && text[i] == '"')) {
      out += '"';
      return i + (text[i] == '"' ? 1 : close.size());
    }
    const char c = text[i];
    if (c == '\\' && i + 1 < text.size()) {
      if (text[i + 1] == '\'')
        out += '\'';
      else
        out.append(text.substr(i, 2));
      i += 2;
      continue;
    }
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (c == '\t')
      out += "\\t";
    else if (c == '"')
      out += "\\\"";
    else
      out += c;
    ++i;
  }
  return i;
}

// The text with the usual mistakes of model-written JSON repaired: 'single quotes', “curly
// quotes”, unquoted keys, trailing commas, // comments, raw line breaks inside strings,
// True/False/None, and bare fractions (4/5 becomes "4/5").
std::string repaired_json(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"') {
      i = copy_string(text, i, "\"", "\"", out);
    } else if (c == '\'') {
      i = copy_string(text, i, "'", "'", out);
    } else if (text.compare(i, kLeftCurlyQuote.size(), kLeftCurlyQuote) == 0) {
      i = copy_string(text, i, kLeftCurlyQuote, kRightCurlyQuote, out);
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n')
        ++i;
    } else if (c == ',') {
      size_t j = i + 1;
      while (j < text.size() && is_space(text[j]))
        ++j;
      if (!(j < text.size() && (text[j] == '}' || text[j] == ']')))
        out += ',';
      ++i;
    } else if (is_alpha(c) || c == '_') {
      size_t j = i;
      while (j < text.size() && (is_alnum(text[j]) || text[j] == '_'))
        ++j;
      const std::string_view word = text.substr(i, j - i);
      size_t k = j;
      while (k < text.size() && is_space(text[k]))
        ++k;
      if (k < text.size() && text[k] == ':')
        out.append("\"").append(word).append("\"");
      else if (word == "True")
        out += "true";
      else if (word == "False")
        out += "false";
      else if (word == "None")
        out += "null";
      else
        out.append(word);
      i = j;
    } else if (is_digit(c)) {
      size_t j = i;
      while (j < text.size() && (is_digit(text[j]) || text[j] == '.' || text[j] == '/'))
        ++j;
      const std::string_view token = text.substr(i, j - i);
      if (token.find('/') != std::string_view::npos)
        out.append("\"").append(token).append("\"");
      else
        out.append(token);
      i = j;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

std::optional<Json> parse_object(std::string_view text) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    const std::string fixed = repaired_json(text);
    j = Json::parse(fixed, nullptr, false);
  }
  if (j.is_discarded() || !j.is_object())
    return std::nullopt;
  return j;
}

// Every JSON object of the text, outermost first, in order. A '{' that does not start a valid
// object is skipped, so an object nested in broken text is still found.
std::vector<Json> json_objects(std::string_view text) {
  std::vector<Json> objects;
  size_t tried = 0;
  for (size_t i = text.find('{'); i != std::string_view::npos && tried < kMaxBraceCandidates;
       i = text.find('{', i + 1)) {
    ++tried;
    const size_t close = matching_brace(text, i);
    if (close == std::string_view::npos)
      continue;
    if (auto object = parse_object(text.substr(i, close - i + 1))) {
      objects.push_back(std::move(*object));
      i = close;
    }
  }
  return objects;
}

// ---------------------------------------------------------------------------------------------
// Reading JSON values

// Lowercase letters and digits of a key: "Safety_Score" -> "safetyscore".
std::string key_letters(const std::string &key) {
  std::string out;
  for (char c : key)
    if (is_alnum(c))
      out += ascii::lower(c);
  return out;
}

bool mentions_rationale(const std::string &k) {
  for (const char *word : {"rationale", "reason", "explanation", "justification", "comment"})
    if (k.find(word) != std::string::npos)
      return true;
  return false;
}

bool is_score_key(const std::string &k) {
  return k == "score" || k == "rating" || k == "grade" || k == "finalscore" ||
         k == "overallscore" || k == "scorevalue";
}

bool is_label_key(const std::string &k) {
  return k == "dimension" || k == "name" || k == "criterion" || k == "category" || k == "aspect";
}

std::optional<Dimension> dimension_named(const std::string &letters) {
  for (const Dimension d : kDimensions)
    if (letters.find(to_string(d)) != std::string::npos)
      return d;
  return std::nullopt;
}

// The dimension a key scores ("safety", "safety_score", "appropriate_use_of_uncertainty"), not
// one that holds reasons ("safety_rationale").
std::optional<Dimension> dimension_key(const std::string &letters) {
  return mentions_rationale(letters) ? std::nullopt : dimension_named(letters);
}

std::string text_of(const Json &v) {
  if (v.is_string())
    return v.get<std::string>();
  std::string out;
  if (v.is_array())
    for (const auto &item : v)
      if (item.is_string())
        out += (out.empty() ? "" : " ") + item.get<std::string>();
  return out;
}

// The object's reasons: its first rationale-like key (for `d`: one naming d, like
// "safety_rationale"; without `d`: one naming no dimension).
std::string rationale_in(const Json &object, std::optional<Dimension> d) {
  for (const auto &[key, value] : object.items()) {
    const std::string k = key_letters(key);
    if (mentions_rationale(k) && dimension_named(k) == d)
      if (std::string text = text_of(value); !text.empty())
        return text;
  }
  return "";
}

// The dimension an object says it is about ({"dimension": "safety", "score": 4}), if any.
std::optional<Dimension> labelled_dimension(const Json &object) {
  for (const auto &[key, value] : object.items())
    if (is_label_key(key_letters(key)) && value.is_string())
      if (auto d = dimension_named(key_letters(value.get<std::string>())))
        return d;
  return std::nullopt;
}

std::optional<Candidate> single_from_json(const Json &object, Dimension d, int depth) {
  if (!object.is_object() || depth > kMaxJsonDepth)
    return std::nullopt;
  if (const auto about = labelled_dimension(object); about && *about != d)
    return std::nullopt;
  const std::string shared = rationale_in(object, std::nullopt);
  for (const auto &[key, value] : object.items())
    if (is_score_key(key_letters(key))) {
      Candidate c = score_from_json(value);
      c.rationale = shared;
      return c;
    }
  for (const auto &[key, value] : object.items()) {
    if (dimension_key(key_letters(key)) != d)
      continue;
    std::optional<Candidate> c =
        value.is_object() ? single_from_json(value, d, depth + 1) : score_from_json(value);
    if (!c)
      continue;
    if (c->rationale.empty())
      c->rationale = rationale_in(object, d);
    if (c->rationale.empty())
      c->rationale = shared;
    return c;
  }
  for (const auto &[key, value] : object.items()) {
    if (value.is_object())
      if (auto c = single_from_json(value, d, depth + 1))
        return c;
    if (value.is_array())
      for (const auto &item : value)
        if (auto c = single_from_json(item, d, depth + 1))
          return c;
  }
  return std::nullopt;
}

void combined_from_json(const Json &v, std::array<Candidates, 3> &out, int depth) {
  if (depth > kMaxJsonDepth)
    return;
  if (v.is_array()) {
    for (const auto &item : v)
      combined_from_json(item, out, depth + 1);
    return;
  }
  if (!v.is_object())
    return;
  if (const auto about = labelled_dimension(v)) { // {"dimension": "safety", "score": 4}
    if (auto c = single_from_json(v, *about, depth))
      out[size_t(*about)].push_back(std::move(*c));
    return;
  }
  const std::string shared = rationale_in(v, std::nullopt);
  bool found = false;
  for (const auto &[key, value] : v.items()) {
    const auto d = dimension_key(key_letters(key));
    if (!d)
      continue;
    std::optional<Candidate> c =
        value.is_object() ? single_from_json(value, *d, depth + 1) : score_from_json(value);
    if (!c)
      continue;
    if (c->rationale.empty())
      c->rationale = rationale_in(v, d);
    if (c->rationale.empty())
      c->rationale = shared;
    out[size_t(*d)].push_back(std::move(*c));
    found = true;
  }
  if (!found)
    for (const auto &[key, value] : v.items())
      if (value.is_object() || value.is_array())
        combined_from_json(value, out, depth + 1);
}

// ---------------------------------------------------------------------------------------------
// Scores in prose

struct LabelHit {
  size_t label_begin = 0;
  size_t number_end = 0;
  bool strong = false; // punctuation between label and number, not just words
  Candidate candidate;
};

// Separators between a label and its number: markup (neutral), punctuation (strong), a few
// words (weak). Returns the index of the number's first digit (or its minus sign), or npos.
size_t after_separators(std::string_view text, size_t at, bool &strong, bool &negative) {
  static constexpr std::string_view kStrongUtf8[] = {
      "\xE2\x80\x94", // em dash
      "\xE2\x80\x93", // en dash
      "\xEF\xBC\x9A", // fullwidth colon
      "\xE2\x86\x92", // rightwards arrow
  };
  static constexpr std::string_view kWords[] = {
      "is", "of", "was", "be", "would", "should", "will", "score", "rating", "final", "overall"};
  strong = negative = false;
  const size_t limit = std::min(text.size(), at + kMaxSeparatorBytes);
  size_t i = at;
  while (i < limit) {
    const char c = text[i];
    if (is_digit(c))
      return i;
    if (c == '-' && i + 1 < text.size() && is_digit(text[i + 1]) && strong) {
      negative = true; // "Score: -1"
      return i + 1;
    }
    if (c == ' ' || c == '\t' || c == '*' || c == '_' || c == '#' || c == '"' || c == '\'' ||
        c == '`' || c == '(' || c == '[') {
      ++i;
      continue;
    }
    if (c == ':' || c == '=' || c == '|' || c == '-' || c == '>') {
      strong = true;
      ++i;
      continue;
    }
    bool matched = false;
    for (const auto utf8 : kStrongUtf8)
      if (text.compare(i, utf8.size(), utf8) == 0) {
        strong = matched = true;
        i += utf8.size();
        break;
      }
    if (matched)
      continue;
    for (const auto word : kWords)
      if (starts_with_word(text, i, word)) {
        matched = true;
        i += word.size();
        break;
      }
    if (!matched)
      return std::string_view::npos;
  }
  return std::string_view::npos;
}

// Every "LABEL: N" of the text, for any of `labels` (lowercase ASCII), in text order.
using Labels = std::vector<std::string_view>;

std::vector<LabelHit> labelled_scores(std::string_view text, const Labels &labels) {
  const std::string lower = ascii::lower(text);
  std::vector<LabelHit> hits;
  for (const std::string_view label : labels) {
    for (size_t at = lower.find(label); at != std::string::npos; at = lower.find(label, at + 1)) {
      if (at > 0 && is_alnum(lower[at - 1]))
        continue;
      const size_t after = at + label.size();
      if (after < lower.size() && is_alnum(lower[after]))
        continue;
      bool strong = false, negative = false;
      const size_t digit = after_separators(text, after, strong, negative);
      if (digit == std::string_view::npos)
        continue;
      auto n = score_number_at(text, digit);
      if (!n)
        continue;
      if (negative) {
        n->value = -n->value;
        n->spelled = "-" + n->spelled;
      }
      hits.push_back(LabelHit{at, n->end, strong, judge_number(*n)});
    }
  }
  std::sort(hits.begin(), hits.end(),
            [](const LabelHit &a, const LabelHit &b) { return a.label_begin < b.label_begin; });
  // "Safety score: 4" is one statement, found under both labels: keep the first.
  hits.erase(std::unique(
                 hits.begin(), hits.end(),
                 [](const LabelHit &a, const LabelHit &b) { return a.number_end == b.number_end; }),
             hits.end());
  return hits;
}

// Labels followed by punctuation if there are any, else all.
std::vector<LabelHit> strongest(std::vector<LabelHit> hits) {
  if (std::any_of(hits.begin(), hits.end(), [](const LabelHit &h) { return h.strong; }))
    hits.erase(
        std::remove_if(hits.begin(), hits.end(), [](const LabelHit &h) { return !h.strong; }),
        hits.end());
  return hits;
}

// Punctuation left over around prose reasons: separators before, markup and JSON debris after
// (a sentence keeps its full stop).
constexpr std::string_view kRationaleLead = " \t\r\n*_.,;:-`\"'{}";
constexpr std::string_view kRationaleTail = " \t\r\n*_`\"'{},";
constexpr const char *kRationaleLabels[] = {"rationale", "reasoning", "reason", "justification",
                                            "explanation"};

// Prose around a score, without the punctuation and "Rationale:" label it starts with.
std::string_view trim_rationale(std::string_view s) {
  while (!s.empty() && kRationaleLead.find(s.front()) != std::string_view::npos)
    s.remove_prefix(1);
  while (!s.empty() && kRationaleTail.find(s.back()) != std::string_view::npos)
    s.remove_suffix(1);
  return s;
}

std::string clean_rationale(std::string_view s) {
  s = trim_rationale(s);
  for (const char *label : kRationaleLabels)
    if (starts_with_word(s, 0, label)) {
      s = trim_rationale(s.substr(std::string_view(label).size()));
      break;
    }
  return std::string(s);
}

// The text after a "Rationale:" label up to the next blank line, or "". Of several labels, the
// first after `score_at` (where the score was found), else the last before it: an echoed answer
// template earlier in the reply is not the juror's rationale.
std::string labelled_rationale(std::string_view text, size_t score_at) {
  const std::string lower = ascii::lower(text);
  size_t best = std::string_view::npos; // index of the ':' after the chosen label
  for (const char *label : kRationaleLabels) {
    for (size_t at = lower.find(label); at != std::string::npos; at = lower.find(label, at + 1)) {
      if (at > 0 && is_alnum(lower[at - 1]))
        continue;
      size_t i = at + std::string_view(label).size();
      while (i < text.size() && (text[i] == '*' || text[i] == '_' || text[i] == ' ' ||
                                 text[i] == '"' || text[i] == '\''))
        ++i;
      if (i >= text.size() || text[i] != ':')
        continue;
      const bool after = i > score_at;
      const bool best_after = best != std::string_view::npos && best > score_at;
      if (best == std::string_view::npos || (after && (!best_after || i < best)) ||
          (!after && !best_after && i > best))
        best = i;
    }
  }
  if (best == std::string_view::npos)
    return "";
  const size_t end = text.find("\n\n", best);
  return clean_rationale(
      text.substr(best + 1, end == std::string_view::npos ? end : end - best - 1));
}

// Prose scores of a one-dimension reply: "Score: 4", "Safety: 4", with the rationale.
Candidates prose_scores(std::string_view text, Dimension d) {
  const std::vector<LabelHit> hits =
      strongest(labelled_scores(text, {"score", "rating", to_string(d)}));
  Candidates out;
  if (hits.empty())
    return out;
  std::string rationale = labelled_rationale(text, hits.front().number_end);
  if (rationale.empty())
    rationale = clean_rationale(text.substr(hits.front().number_end));
  for (const auto &hit : hits) {
    out.push_back(hit.candidate);
    out.back().rationale = rationale;
  }
  return out;
}

// "4/5" and "4 out of 5" anywhere, not preceded by another digit.
Candidates fraction_scores(std::string_view text) {
  Candidates out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!is_digit(text[i]) || (i > 0 && (is_alnum(text[i - 1]) || text[i - 1] == '.' ||
                                         text[i - 1] == '/' || text[i - 1] == ',')))
      continue;
    const auto n = score_number_at(text, i);
    if (n && n->out_of) {
      Candidate c = judge_number(*n);
      c.rationale = clean_rationale(text.substr(n->end));
      out.push_back(std::move(c));
      i = n->end;
    }
  }
  return out;
}

// A reply that is nothing but a number.
Candidates bare_number(std::string_view text) {
  const std::string_view t = trim_chars(text, " \t\r\n*_`.\"'");
  if (t.empty() || !is_digit(t.front()))
    return {};
  const auto n = score_number_at(t, 0);
  if (!n || n->end != t.size())
    return {};
  return {judge_number(*n)};
}

// The start of each heading line of `d` ("## Safety", "**2. Accuracy:**", "Appropriate use of
// uncertainty"): short, starting with the dimension's name, no digit after a leading number.
std::vector<size_t> heading_lines(std::string_view text, Dimension d) {
  std::vector<size_t> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    end = end == std::string_view::npos ? text.size() : end;
    std::string_view line = trim_chars(text.substr(start, end - start), " \t\r#*_:-.`>");
    while (!line.empty() && is_digit(line.front()))
      line.remove_prefix(1); // "2. Accuracy"
    line = trim_chars(line, " \t.)#*_:");
    const std::string lower = ascii::lower(line);
    const std::string name = to_string(d);
    const bool names_d = starts_with_word(lower, 0, name) ||
                         (d == Dimension::uncertainty &&
                          (starts_with_word(lower, 0, "appropriate use of uncertainty") ||
                           starts_with_word(lower, 0, "use of uncertainty")));
    if (names_d && line.size() < 40 && std::none_of(line.begin(), line.end(), is_digit))
      out.push_back(start);
    start = end + 1;
  }
  return out;
}

// Prose scores of a combined reply, per dimension.
std::array<Candidates, 3> combined_prose_scores(std::string_view text) {
  std::array<std::vector<LabelHit>, 3> hits;
  std::vector<size_t> boundaries; // where a dimension's part of the text may start
  for (const Dimension d : kDimensions) {
    // "Appropriate use of uncertainty: 4" is found by its last word.
    hits[size_t(d)] = strongest(labelled_scores(text, {to_string(d)}));
    for (const auto &h : hits[size_t(d)])
      boundaries.push_back(h.label_begin);
    for (size_t line : heading_lines(text, d))
      boundaries.push_back(line);
  }
  std::sort(boundaries.begin(), boundaries.end());
  const auto next_boundary = [&](size_t after) {
    const auto it = std::upper_bound(boundaries.begin(), boundaries.end(), after);
    return it == boundaries.end() ? text.size() : *it;
  };

  std::array<Candidates, 3> out;
  for (const Dimension d : kDimensions) {
    for (auto &h : hits[size_t(d)]) {
      h.candidate.rationale =
          clean_rationale(text.substr(h.number_end, next_boundary(h.number_end) - h.number_end));
      out[size_t(d)].push_back(std::move(h.candidate));
    }
    if (!out[size_t(d)].empty())
      continue;
    // "## Safety\nScore: 4\nRationale: ..." — a heading, then a plain score label.
    for (size_t line : heading_lines(text, d)) {
      const size_t line_end = text.find('\n', line);
      const size_t body = line_end == std::string_view::npos ? text.size() : line_end + 1;
      const std::string_view part = text.substr(body, next_boundary(line) - body);
      std::vector<LabelHit> in_part = strongest(labelled_scores(part, {"score", "rating"}));
      if (in_part.empty())
        continue;
      std::string rationale = labelled_rationale(part, in_part.front().number_end);
      if (rationale.empty())
        rationale = clean_rationale(part.substr(in_part.front().number_end));
      for (auto &h : in_part) {
        h.candidate.rationale = rationale;
        out[size_t(d)].push_back(std::move(h.candidate));
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Deciding

// The verdict of one kind of evidence, or nullopt when it found nothing.
std::optional<ReadScore> decide(const Candidates &found) {
  if (found.empty())
    return std::nullopt;
  ReadScore out;
  std::set<int> scores;
  for (const auto &c : found) {
    if (!c.invalid.empty()) {
      out.problem = c.invalid;
      return out;
    }
    scores.insert(*c.score);
  }
  if (scores.size() > 1) {
    const std::vector<int> distinct(scores.begin(), scores.end());
    std::string list;
    for (size_t i = 0; i < distinct.size(); ++i)
      list += std::string(i == 0                     ? ""
                          : i + 1 == distinct.size() ? " and "
                                                     : ", ") +
              std::to_string(distinct[i]);
    out.problem = "conflicting scores " + list;
    return out;
  }
  out.score = *scores.begin();
  for (auto c = found.rbegin(); c != found.rend(); ++c) // the last word is the juror's final one
    if (!c->rationale.empty()) {
      out.rationale = c->rationale;
      break;
    }
  return out;
}

ReadScore first_decided(std::initializer_list<const Candidates *> kinds, const char *missing) {
  for (const Candidates *kind : kinds)
    if (auto decided = decide(*kind))
      return std::move(*decided);
  return ReadScore{std::nullopt, "", missing};
}

} // namespace

ReadScore read_juror_reply(std::string_view reply, Dimension dimension) {
  Candidates from_json;
  for (const auto &object : json_objects(reply))
    if (auto c = single_from_json(object, dimension, 0))
      from_json.push_back(std::move(*c));
  if (auto decided = decide(from_json))
    return std::move(*decided);
  const Candidates prose = prose_scores(reply, dimension);
  const Candidates fractions = prose.empty() ? fraction_scores(reply) : Candidates{};
  const Candidates bare = bare_number(reply);
  return first_decided({&prose, &fractions, &bare}, "no score found");
}

std::array<ReadScore, 3> read_combined_juror_reply(std::string_view reply) {
  std::array<Candidates, 3> from_json;
  for (const auto &object : json_objects(reply))
    combined_from_json(object, from_json, 0);
  std::array<Candidates, 3> prose;
  bool prose_read = false;
  std::array<ReadScore, 3> out;
  for (const Dimension d : kDimensions) {
    const size_t i = size_t(d);
    if (auto decided = decide(from_json[i])) {
      out[i] = std::move(*decided);
      continue;
    }
    if (!prose_read) {
      prose = combined_prose_scores(reply);
      prose_read = true;
    }
    out[i] = first_decided({&prose[i]}, "no score found");
  }
  return out;
}

} // namespace imc
