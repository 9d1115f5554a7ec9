#pragma once
// Internal: reads a JSON document into the data model while collecting every error it finds.
// Each error names the file, the JSON pointer, what was expected and what was found; reading goes
// on after an error so that one pass reports them all. Nothing here throws on bad input.
#include "enum_table.h"
#include "format_rules.h"
#include "imc/result.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imc::detail {

// Insertion-ordered, so free-form maps (prompt_hashes, extra_headers) keep the document's order
// and parse(serialize(x)) == x holds for them too.
using Json = nlohmann::ordered_json;

enum class Need { required, optional };

// "~" and "/" escaped as RFC 6901 requires.
std::string pointer_token(std::string_view key);

class DocumentReader {
public:
  // `echo_values == false` keeps string values out of messages: used where a mistaken value may
  // be a credential (endpoint config), which must never reach an error message.
  DocumentReader(std::string_view source, Errors &errors, bool echo_values = true);

  // Parses `text` into `out`. A syntax error is reported with its line and column and returns
  // false. Duplicate keys are reported too, but the document still reads (the last value wins).
  bool parse(std::string_view text, Json &out);

  void report(std::string pointer, std::string expected, std::string found);
  // Brief rendering of a value for `found`: "\"maybe\"", "a number (3)", "an array", "missing".
  std::string describe(const Json *value) const;
  std::string quote(std::string_view text) const;
  size_t error_count() const { return errors_.size(); }
  const std::string &source() const { return source_; }

private:
  std::string source_;
  Errors &errors_;
  bool echo_values_;
};

// One JSON object under a pointer. Remembers which keys were asked for, so finish() can report the
// others: unknown keys are errors, because a typo ("diagnossis") must not pass silently.
class ObjectReader {
public:
  // Reports an error when `value` is not an object (a null `value` was reported as missing).
  ObjectReader(DocumentReader &doc, const Json *value, std::string pointer);

  bool is_object() const { return object_ != nullptr; }
  const std::string &pointer() const { return pointer_; }
  std::string pointer_to(std::string_view key) const { return pointer_ + "/" + pointer_token(key); }
  DocumentReader &doc() { return doc_; }

  // The value of `key`, or nullptr when absent (reported when required, with `expected`).
  const Json *take(std::string_view key, Need need, const std::string &expected);
  // Whether `key` is present, without reporting anything or marking it known.
  bool has(std::string_view key) const;
  // Reports every key that no take() asked for.
  void finish();

private:
  DocumentReader &doc_;
  const Json *object_ = nullptr;
  std::string pointer_;
  std::vector<std::string> known_;
};

// Typed readers. Each leaves `out` unchanged when the key is absent or its value is wrong, and
// reports what is wrong. Optional keys may also hold the "empty" value of their type.

void read_schema_version(ObjectReader &o, int supported, int &out);
void read_string(ObjectReader &o, std::string_view key, Need need, const TextRule &rule,
                 std::string &out);
void read_bool(ObjectReader &o, std::string_view key, Need need, bool &out);
// An integer within [min, max]. Integral floats (3.0) count, as in JSON Schema.
void read_int64(ObjectReader &o, std::string_view key, Need need, int64_t min, int64_t max,
                int64_t &out);
void read_int(ObjectReader &o, std::string_view key, Need need, int min, int max, int &out);
// Absent (or, when `null_allowed`, null) reads as nullopt.
void read_optional_int64(ObjectReader &o, std::string_view key, int64_t min, int64_t max,
                         std::optional<int64_t> &out, bool null_allowed = false);
void read_optional_int(ObjectReader &o, std::string_view key, int min, int max,
                       std::optional<int> &out, bool null_allowed = false);
void read_number(ObjectReader &o, std::string_view key, Need need, double min, double max,
                 double &out);
void read_optional_number(ObjectReader &o, std::string_view key, double min, double max,
                          std::optional<double> &out);
// A string from a fixed list, given as "a|b|c"; `allow_empty` also takes "".
void read_choice(ObjectReader &o, std::string_view key, Need need, std::string_view choices,
                 bool allow_empty, std::string &out);
// Invalid items are reported and left out; with `unique`, so are repeated ones.
void read_string_list(ObjectReader &o, std::string_view key, Need need, const TextRule &item,
                      size_t min_items, std::vector<std::string> &out, bool unique = false);
// An object whose keys are free-form (`key_rule`) and whose values are strings (`value_rule`).
void read_string_map(ObjectReader &o, std::string_view key, Need need, const TextRule &key_rule,
                     const TextRule &value_rule,
                     std::vector<std::pair<std::string, std::string>> &out);

std::string expected_for(const TextRule &rule, Need need);

// The array at `key`, or nullptr when there is none to read. Reports it when absent but required,
// not an array, or shorter than `min_items` (then it is still returned, so its items get checked).
const Json *take_array(ObjectReader &o, std::string_view key, Need need,
                       const std::string &expected, size_t min_items);

template <class E, size_t N>
void read_enum(ObjectReader &o, std::string_view key, Need need, const EnumTable<E, N> &table,
               E &out) {
  const std::string expected = enum_choices(table);
  const Json *v = o.take(key, need, expected);
  if (!v)
    return;
  if (v->is_string()) {
    if (auto parsed = enum_from_string(table, v->get_ref<const std::string &>())) {
      out = *parsed;
      return;
    }
  }
  o.doc().report(o.pointer_to(key), expected, o.doc().describe(v));
}

// Reads the object at `key` with `fill(ObjectReader &)`, then reports its unknown keys.
template <class Fill>
void read_object(ObjectReader &o, std::string_view key, Need need, Fill &&fill) {
  const Json *v = o.take(key, need, "an object");
  if (!v)
    return;
  ObjectReader child(o.doc(), v, o.pointer_to(key));
  if (!child.is_object())
    return;
  fill(child);
  child.finish();
}

// Reads an array of objects at `key`, each with `fill(ObjectReader &, T &, size_t index)`.
template <class T, class Fill>
void read_object_list(ObjectReader &o, std::string_view key, Need need, size_t min_items,
                      std::vector<T> &out, Fill &&fill) {
  const std::string expected =
      min_items > 0 ? "an array of at least " + std::to_string(min_items) + " object(s)"
                    : "an array of objects";
  const Json *v = take_array(o, key, need, expected, min_items);
  if (!v)
    return;
  const std::string pointer = o.pointer_to(key);
  out.clear();
  out.reserve(v->size());
  for (size_t i = 0; i < v->size(); ++i) {
    ObjectReader item(o.doc(), &(*v)[i], pointer + "/" + std::to_string(i));
    T value{};
    if (item.is_object()) {
      fill(item, value, i);
      item.finish();
    }
    out.push_back(std::move(value));
  }
}

// Reports the second and later occurrences of each value in `values`, at `pointer_of(index)`.
// Empty values are skipped: they were invalid, and reported as such already.
template <class PointerOf>
void report_duplicates(DocumentReader &doc, const std::vector<std::string> &values,
                       PointerOf pointer_of, const std::string &expected) {
  std::map<std::string, size_t> first_index;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].empty())
      continue;
    const auto [it, inserted] = first_index.emplace(values[i], i);
    if (!inserted)
      doc.report(pointer_of(i), expected,
                 doc.quote(values[i]) + " (also at index " + std::to_string(it->second) + ")");
  }
}

// Reads a whole document into a T with `fill(ObjectReader &, T &)`: parses it, checks that it is
// an object, fills it, reports unknown keys. Returns whatever part was valid; errors go to
// `errors`.
template <class T, class Fill>
T read_value(std::string_view text, std::string_view source, Errors &errors, bool echo_values,
             Fill &&fill) {
  T value{};
  DocumentReader doc(source, errors, echo_values);
  Json root;
  if (!doc.parse(text, root))
    return value;
  ObjectReader reader(doc, &root, "");
  if (!reader.is_object())
    return value;
  fill(reader, value);
  reader.finish();
  return value;
}

// The same from a value parsed already (a syntax error or a repeated key is the parser's to
// report).
template <class T, class Fill>
Result<T> parse_parsed_value(const Json &root, std::string_view source, bool echo_values,
                             Fill &&fill) {
  Errors errors;
  T value{};
  DocumentReader doc(source, errors, echo_values);
  ObjectReader reader(doc, &root, "");
  if (reader.is_object()) {
    fill(reader, value);
    reader.finish();
  }
  if (!errors.empty())
    return errors;
  return value;
}

// read_value for the public parse_* functions: the value, or every error found.
template <class T, class Fill>
Result<T> parse_value(std::string_view text, std::string_view source, bool echo_values,
                      Fill &&fill) {
  Errors errors;
  T value = read_value<T>(text, source, errors, echo_values, std::forward<Fill>(fill));
  if (!errors.empty())
    return errors;
  return value;
}

} // namespace imc::detail
