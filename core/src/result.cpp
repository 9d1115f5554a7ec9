#include "imc/result.h"

namespace imc {

std::string Error::message() const {
  std::string out = file.empty() ? std::string("<input>") : file;
  if (!pointer.empty()) out += ": " + pointer;
  if (!expected.empty()) out += ": expected " + expected;
  if (!found.empty()) out += (expected.empty() ? ": " : ", found ") + found;
  return out;
}

std::string format_errors(const Errors &errors) {
  std::string out;
  for (const auto &e : errors) out += e.message() + "\n";
  return out;
}

} // namespace imc
