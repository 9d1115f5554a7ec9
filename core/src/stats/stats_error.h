#pragma once
// Errors of the statistics functions: Error::file names the function (a logical source, as
// result.h allows), so a message reads "krippendorff_alpha: expected ..., found ...".
#include "imc/result.h"

#include <string>
#include <string_view>

namespace imc::stats::detail {

inline Error stats_error(std::string_view function, std::string expected, std::string found) {
  return Error{std::string(function), "", std::move(expected), std::move(found)};
}

// The errors of a helper call, reported as the caller's.
inline Errors attributed_to(std::string_view function, Errors errors) {
  for (Error &e : errors)
    e.file = std::string(function);
  return errors;
}

} // namespace imc::stats::detail
