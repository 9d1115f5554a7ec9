#include "json_reader.h"

#include <cmath>
#include <set>

namespace imc::detail {

namespace {

// Deeper nesting than any of our formats uses is refused outright: it can only be garbage or an
// attack, and refusing it keeps every later walk shallow.
constexpr size_t kMaxDepth = 256;
// Strings in messages are cut to this many bytes: enough to recognise, short enough to read.
constexpr size_t kMaxQuotedBytes = 60;

// Builds the document through nlohmann's SAX interface rather than json::parse, to learn where a
// syntax error is (line and column) and to notice duplicate keys, which json::parse drops.
class DomBuilder {
public:
  DomBuilder(std::string_view text, Json &root, DocumentReader &doc, bool echo_values)
      : text_(text), root_(root), doc_(doc), echo_values_(echo_values) {}

  bool null() { return put(Json(nullptr)); }
  bool boolean(bool v) { return put(Json(v)); }
  bool number_integer(Json::number_integer_t v) { return put(Json(v)); }
  bool number_unsigned(Json::number_unsigned_t v) { return put(Json(v)); }
  bool number_float(Json::number_float_t v, const std::string &) { return put(Json(v)); }
  bool string(std::string &v) { return put(Json(std::move(v))); }
  bool binary(Json::binary_t &) { return false; } // JSON text never produces binary values
  bool start_object(std::size_t) { return open(Json::object()); }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(std::string &k) {
    Frame &frame = frames_.back();
    pending_key_is_new_ = frame.keys.insert(k).second;
    if (!pending_key_is_new_)
      doc_.report(path() + "/" + pointer_token(k), "each key once per object",
                  "a duplicate key (the last value is used)");
    pending_key_ = std::move(k);
    return true;
  }

  bool parse_error(std::size_t position, const std::string &,
                   const nlohmann::detail::exception &e) {
    doc_.report(location(position), "", "invalid JSON: " + explain(e.what()));
    failed_ = true;
    return false;
  }

  bool failed() const { return failed_; }

private:
  using Members = std::vector<std::pair<const std::string, Json>>; // ordered_map's base

  struct Frame {
    Json *container;
    std::string token; // pointer token of this container within its parent
    std::set<std::string> keys;
  };

  Json *insert(Json value, std::string &token) {
    if (frames_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    // Only the innermost open container grows, so the pointers held by outer frames stay valid.
    Json &top = *frames_.back().container;
    if (top.is_array()) {
      token = std::to_string(top.size());
      top.push_back(std::move(value));
      return &top.back();
    }
    token = pointer_token(pending_key_);
    if (!pending_key_is_new_) {
      Json &slot = top[pending_key_];
      slot = std::move(value);
      return &slot;
    }
    // A new key is appended straight to the ordered map's vector: its own insert searches the
    // keys first, which makes an object with many keys quadratic to build.
    auto &members = static_cast<Members &>(top.get_ref<Json::object_t &>());
    members.emplace_back(pending_key_, std::move(value));
    return &members.back().second;
  }

  bool put(Json value) {
    std::string token;
    insert(std::move(value), token);
    return true;
  }

  bool open(Json container) {
    if (frames_.size() >= kMaxDepth) {
      doc_.report(path(), "at most " + std::to_string(kMaxDepth) + " levels of nesting",
                  "deeper nesting");
      failed_ = true;
      return false;
    }
    std::string token;
    Json *slot = insert(std::move(container), token);
    frames_.push_back(Frame{slot, std::move(token), {}});
    return true;
  }

  bool close() {
    frames_.pop_back();
    return true;
  }

  std::string path() const {
    std::string out;
    for (size_t i = 1; i < frames_.size(); ++i)
      out += "/" + frames_[i].token;
    return out;
  }

  // Line and column (both 1-based) of the offending byte; `position` counts the bytes read, that
  // one included, so a literal cut short by a newline is placed at the end of its own line.
  std::string location(size_t position) const {
    const size_t offending = position > 0 ? position - 1 : 0;
    const size_t end = offending < text_.size() ? offending : text_.size();
    size_t line = 1, column = 1;
    for (size_t i = 0; i < end; ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(column);
  }

  // nlohmann's message without its "[json.exception...] parse error at line L, column C: "
  // prefix (the location is ours), and without the text last read when values must not echo.
  std::string explain(std::string what) const {
    if (const size_t p = what.find("] "); what.rfind("[json.exception", 0) == 0 && p != what.npos)
      what.erase(0, p + 2);
    if (what.rfind("parse error", 0) == 0)
      if (const size_t p = what.find(": "); p != what.npos)
        what.erase(0, p + 2);
    if (!echo_values_)
      if (const size_t p = what.find("; last read"); p != what.npos)
        what.erase(p);
    return what;
  }

  std::string_view text_;
  Json &root_;
  DocumentReader &doc_;
  bool echo_values_;
  std::vector<Frame> frames_;
  std::string pending_key_;
  bool pending_key_is_new_ = true;
  bool failed_ = false;
};

std::string range_text(int64_t min, int64_t max) {
  if (min == max)
    return "the integer " + std::to_string(min);
  if (min == std::numeric_limits<int64_t>::min() && max == std::numeric_limits<int64_t>::max())
    return "an integer";
  // Bounded only by the C++ type: the reader just needs to say which side matters.
  if (max == std::numeric_limits<int64_t>::max() || max == std::numeric_limits<int>::max())
    return min == 0 ? "a non-negative integer" : "an integer >= " + std::to_string(min);
  return "an integer in " + std::to_string(min) + ".." + std::to_string(max);
}

std::string number_range_text(double min, double max) {
  Json lo = min, hi = max;
  if (max == std::numeric_limits<double>::max())
    return min == 0 ? "a non-negative number" : "a number >= " + lo.dump();
  return "a number in " + lo.dump() + ".." + hi.dump();
}

// The value as an int64 when it is an integer (or an integral float) that fits.
std::optional<int64_t> as_int64(const Json &v) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > uint64_t(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
    return int64_t(u);
  }
  if (v.is_number_integer())
    return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    // 2^63 is exactly representable; anything at or beyond it does not fit.
    if (std::floor(d) == d && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
      return int64_t(d);
  }
  return std::nullopt;
}

bool in_choices(std::string_view value, std::string_view choices) {
  size_t start = 0;
  while (true) {
    const size_t bar = choices.find('|', start);
    if (choices.substr(start, bar == choices.npos ? choices.npos : bar - start) == value)
      return true;
    if (bar == choices.npos)
      return false;
    start = bar + 1;
  }
}

} // namespace

std::string pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

DocumentReader::DocumentReader(std::string_view source, Errors &errors, bool echo_values)
    : source_(source), errors_(errors), echo_values_(echo_values) {}

bool DocumentReader::parse(std::string_view text, Json &out) {
  DomBuilder builder(text, out, *this, echo_values_);
  const bool ok = Json::sax_parse(text.data(), text.data() + text.size(), &builder,
                                  Json::input_format_t::json, true, false);
  if (!ok && !builder.failed())
    report("", "", "invalid JSON");
  return ok && !builder.failed();
}

void DocumentReader::report(std::string pointer, std::string expected, std::string found) {
  errors_.push_back(Error{source_, std::move(pointer), std::move(expected), std::move(found)});
}

std::string DocumentReader::quote(std::string_view text) const {
  if (!echo_values_)
    return "a string (value not shown)";
  bool cut = false;
  if (text.size() > kMaxQuotedBytes) {
    size_t end = kMaxQuotedBytes;
    // Back up to the start of a UTF-8 sequence so the cut never splits a character.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
      --end;
    text = text.substr(0, end);
    cut = true;
  }
  std::string out = Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::replace);
  if (cut)
    out.insert(out.size() - 1, "...");
  return out;
}

std::string DocumentReader::describe(const Json *value) const {
  if (!value)
    return "missing";
  switch (value->type()) {
  case Json::value_t::null:
    return "null";
  case Json::value_t::boolean:
    return value->get<bool>() ? "true" : "false";
  case Json::value_t::string:
    return quote(value->get_ref<const std::string &>());
  case Json::value_t::number_integer:
  case Json::value_t::number_unsigned:
  case Json::value_t::number_float:
    return "a number (" + value->dump() + ")";
  case Json::value_t::object:
    return "an object";
  case Json::value_t::array:
    return "an array";
  default:
    return "an unexpected value";
  }
}

ObjectReader::ObjectReader(DocumentReader &doc, const Json *value, std::string pointer)
    : doc_(doc), pointer_(std::move(pointer)) {
  if (!value)
    return;
  if (value->is_object())
    object_ = value;
  else
    doc_.report(pointer_, "an object", doc_.describe(value));
}

const Json *ObjectReader::take(std::string_view key, Need need, const std::string &expected) {
  known_.emplace_back(key);
  if (!object_)
    return nullptr;
  const auto it = object_->find(std::string(key));
  if (it == object_->end()) {
    if (need == Need::required)
      doc_.report(pointer_to(key), expected, "missing");
    return nullptr;
  }
  return &it.value();
}

bool ObjectReader::has(std::string_view key) const {
  return object_ && object_->contains(std::string(key));
}

void ObjectReader::finish() {
  if (!object_)
    return;
  std::string known_list;
  for (const auto &k : known_)
    known_list += (known_list.empty() ? "" : "|") + k;
  for (const auto &item : object_->items()) {
    bool known = false;
    for (const auto &k : known_)
      known = known || k == item.key();
    if (!known)
      doc_.report(pointer_to(item.key()),
                  known_list.empty() ? "no keys here" : "one of the keys " + known_list,
                  "an unknown key");
  }
}

std::string expected_for(const TextRule &rule, Need need) {
  std::string out = rule.expected;
  if (need == Need::optional && rule.accepts)
    out += " (or empty)";
  return out;
}

void read_schema_version(ObjectReader &o, int supported, int &out) {
  const std::string expected = std::to_string(supported);
  const Json *v = o.take("schema_version", Need::required, expected);
  if (!v)
    return;
  const auto n = as_int64(*v);
  if (n && *n == supported)
    out = supported;
  else
    o.doc().report(o.pointer_to("schema_version"), expected, o.doc().describe(v));
}

void read_string(ObjectReader &o, std::string_view key, Need need, const TextRule &rule,
                 std::string &out) {
  const std::string expected = expected_for(rule, need);
  const Json *v = o.take(key, need, expected);
  if (!v)
    return;
  if (v->is_string()) {
    const auto &s = v->get_ref<const std::string &>();
    // Optional strings may be written out empty; they read as absent.
    if (!rule.accepts || rule.accepts(s) || (need == Need::optional && s.empty())) {
      out = s;
      return;
    }
  }
  o.doc().report(o.pointer_to(key), expected, o.doc().describe(v));
}

void read_bool(ObjectReader &o, std::string_view key, Need need, bool &out) {
  const Json *v = o.take(key, need, "true or false");
  if (!v)
    return;
  if (v->is_boolean())
    out = v->get<bool>();
  else
    o.doc().report(o.pointer_to(key), "true or false", o.doc().describe(v));
}

void read_int64(ObjectReader &o, std::string_view key, Need need, int64_t min, int64_t max,
                int64_t &out) {
  const std::string expected = range_text(min, max);
  const Json *v = o.take(key, need, expected);
  if (!v)
    return;
  const auto n = as_int64(*v);
  if (n && *n >= min && *n <= max)
    out = *n;
  else
    o.doc().report(o.pointer_to(key), expected, o.doc().describe(v));
}

void read_int(ObjectReader &o, std::string_view key, Need need, int min, int max, int &out) {
  int64_t value = out;
  read_int64(o, key, need, min, max, value);
  out = int(value);
}

void read_optional_int64(ObjectReader &o, std::string_view key, int64_t min, int64_t max,
                         std::optional<int64_t> &out, bool null_allowed) {
  const std::string expected = range_text(min, max) + (null_allowed ? " or null" : "");
  const Json *v = o.take(key, Need::optional, expected);
  if (!v || (null_allowed && v->is_null()))
    return;
  const auto n = as_int64(*v);
  if (n && *n >= min && *n <= max)
    out = *n;
  else
    o.doc().report(o.pointer_to(key), expected, o.doc().describe(v));
}

void read_optional_int(ObjectReader &o, std::string_view key, int min, int max,
                       std::optional<int> &out, bool null_allowed) {
  std::optional<int64_t> value;
  read_optional_int64(o, key, min, max, value, null_allowed);
  if (value)
    out = int(*value);
}

void read_number(ObjectReader &o, std::string_view key, Need need, double min, double max,
                 double &out) {
  const std::string expected = number_range_text(min, max);
  const Json *v = o.take(key, need, expected);
  if (!v)
    return;
  if (v->is_number() && v->get<double>() >= min && v->get<double>() <= max)
    out = v->get<double>();
  else
    o.doc().report(o.pointer_to(key), expected, o.doc().describe(v));
}

void read_optional_number(ObjectReader &o, std::string_view key, double min, double max,
                          std::optional<double> &out) {
  if (!o.has(key)) {
    o.take(key, Need::optional, ""); // marks the key known
    return;
  }
  const size_t before = o.doc().error_count();
  double value = 0;
  read_number(o, key, Need::optional, min, max, value);
  if (o.doc().error_count() == before)
    out = value;
}

void read_choice(ObjectReader &o, std::string_view key, Need need, std::string_view choices,
                 bool allow_empty, std::string &out) {
  const std::string expected =
      "one of " + std::string(choices) + (allow_empty ? " (or empty)" : "");
  const Json *v = o.take(key, need, expected);
  if (!v)
    return;
  if (v->is_string()) {
    const auto &s = v->get_ref<const std::string &>();
    if (in_choices(s, choices) || (allow_empty && s.empty())) {
      out = s;
      return;
    }
  }
  o.doc().report(o.pointer_to(key), expected, o.doc().describe(v));
}

const Json *take_array(ObjectReader &o, std::string_view key, Need need,
                       const std::string &expected, size_t min_items) {
  const Json *v = o.take(key, need, expected);
  if (!v)
    return nullptr;
  if (!v->is_array() || v->size() < min_items)
    o.doc().report(o.pointer_to(key), expected, o.doc().describe(v));
  return v->is_array() ? v : nullptr;
}

void read_string_list(ObjectReader &o, std::string_view key, Need need, const TextRule &item,
                      size_t min_items, std::vector<std::string> &out, bool unique) {
  std::string expected = "an array of " + std::string(item.expected) + " items";
  if (min_items > 0)
    expected += ", at least " + std::to_string(min_items);
  const Json *v = take_array(o, key, need, expected, min_items);
  if (!v)
    return;
  const std::string pointer = o.pointer_to(key);
  std::vector<std::string> values;
  values.reserve(v->size());
  std::set<std::string> seen;
  for (size_t i = 0; i < v->size(); ++i) {
    const Json &element = (*v)[i];
    const std::string item_pointer = pointer + "/" + std::to_string(i);
    if (!element.is_string() ||
        (item.accepts && !item.accepts(element.get_ref<const std::string &>()))) {
      o.doc().report(item_pointer, item.expected, o.doc().describe(&element));
    } else if (unique && !seen.insert(element.get<std::string>()).second) {
      o.doc().report(item_pointer, "each item once", o.doc().describe(&element) + " again");
    } else {
      values.push_back(element.get<std::string>());
    }
  }
  out = std::move(values);
}

void read_string_map(ObjectReader &o, std::string_view key, Need need, const TextRule &key_rule,
                     const TextRule &value_rule,
                     std::vector<std::pair<std::string, std::string>> &out) {
  const Json *v = o.take(key, need, "an object of strings");
  if (!v)
    return;
  const std::string pointer = o.pointer_to(key);
  if (!v->is_object()) {
    o.doc().report(pointer, "an object of strings", o.doc().describe(v));
    return;
  }
  std::vector<std::pair<std::string, std::string>> values;
  for (const auto &entry : v->items()) {
    const std::string entry_pointer = pointer + "/" + pointer_token(entry.key());
    bool ok = true;
    if (key_rule.accepts && !key_rule.accepts(entry.key())) {
      o.doc().report(entry_pointer, std::string("a key that is ") + key_rule.expected,
                     "the key " + o.doc().quote(entry.key()));
      ok = false;
    }
    const Json &value = entry.value();
    if (!value.is_string() ||
        (value_rule.accepts && !value_rule.accepts(value.get_ref<const std::string &>()))) {
      o.doc().report(entry_pointer, value_rule.expected, o.doc().describe(&value));
      ok = false;
    }
    if (ok)
      values.emplace_back(entry.key(), value.get<std::string>());
  }
  out = std::move(values);
}

} // namespace imc::detail
