#pragma once
// Errors as values at the core's edge. A Result<T> holds either a value or a non-empty list of
// errors; each error names where (file and JSON pointer or line), what was expected and what was
// found, so a person can fix the input without reading code.
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace imc {

struct Error {
  std::string file;     // file or logical source name ("assets/demo/cases/x.json", "<stdin>")
  std::string pointer;  // JSON pointer ("/labels/malignancy"), "line 12", or "" for the whole file
  std::string expected; // what the format requires ("one of benign|premalignant|malignant|not_applicable")
  std::string found;    // what was there ("\"maybe\"", "missing", "a number")

  // "FILE: POINTER: expected EXPECTED, found FOUND" (parts left out when empty).
  std::string message() const;
};

using Errors = std::vector<Error>;

// Every message of a list, one per line.
std::string format_errors(const Errors &errors);

template <class T> class Result {
public:
  Result(T value) : data_(std::move(value)) {}                  // NOLINT: implicit by design
  Result(Error error) : data_(Errors{std::move(error)}) {}      // NOLINT
  Result(Errors errors) : data_(std::move(errors)) {}           // NOLINT: must be non-empty

  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }
  T &value() & { return std::get<T>(data_); }
  const T &value() const & { return std::get<T>(data_); }
  T &&value() && { return std::get<T>(std::move(data_)); }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }
  T &operator*() { return value(); }
  const T &operator*() const { return value(); }
  const Errors &errors() const { return std::get<Errors>(data_); }

private:
  std::variant<T, Errors> data_;
};

// For operations that produce nothing but may fail.
struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }

} // namespace imc
