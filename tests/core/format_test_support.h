#pragma once
// Helpers shared by the format tests: fixture files, JSON edits of a fixture, error lookups.
#include "imc/result.h"
#include "support/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace imc::test {

using OrderedJson = nlohmann::ordered_json;

inline std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::string formats_dir() {
  return std::string(imc::test::source_dir()) + "/tests/data/formats";
}

// The text of tests/data/formats/<relative>.
inline std::string fixture(const std::string &relative) {
  return read_file(formats_dir() + "/" + relative);
}

// A fixture, parsed for editing. Key order is kept so that edits stay readable in failures.
inline OrderedJson fixture_json(const std::string &relative) {
  return OrderedJson::parse(fixture(relative));
}

// The value at a JSON pointer of `doc`, created if absent ("edit this key").
inline OrderedJson &at(OrderedJson &doc, const std::string &pointer) {
  return doc[OrderedJson::json_pointer(pointer)];
}

inline void erase(OrderedJson &doc, const std::string &pointer) {
  const OrderedJson::json_pointer p(pointer);
  doc[p.parent_pointer()].erase(p.back());
}

// The error at `pointer`, or nullptr.
inline const Error *error_at(const Errors &errors, std::string_view pointer) {
  for (const auto &e : errors)
    if (e.pointer == pointer)
      return &e;
  return nullptr;
}

// The one error `result` is expected to hold, which must be at `pointer`. Adds test failures
// (listing every error) when that is not so, and then returns an empty Error.
template <class T> Error single_error(const Result<T> &result, const std::string &pointer) {
  if (result.ok()) {
    ADD_FAILURE() << "expected one error at " << pointer << ", the document was accepted";
    return {};
  }
  EXPECT_EQ(result.errors().size(), 1u) << format_errors(result.errors());
  const Error *e = error_at(result.errors(), pointer);
  EXPECT_NE(e, nullptr) << "no error at " << pointer << ":\n" << format_errors(result.errors());
  return e ? *e : Error{};
}

} // namespace imc::test
