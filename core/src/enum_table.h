#pragma once
// Internal: one table per enum names its values as they appear in JSON, so to_string, parse_* and
// the "expected one of ..." text of an error cannot drift apart.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace imc::detail {

template <class E> struct EnumName {
  E value;
  const char *name;
};

template <class E, size_t N> using EnumTable = std::array<EnumName<E>, N>;

template <class E, size_t N> const char *enum_to_string(const EnumTable<E, N> &table, E value) {
  for (const auto &entry : table)
    if (entry.value == value)
      return entry.name;
  return ""; // only reachable with a value cast from an out-of-range integer
}

template <class E, size_t N>
std::optional<E> enum_from_string(const EnumTable<E, N> &table, std::string_view name) {
  for (const auto &entry : table)
    if (name == entry.name)
      return entry.value;
  return std::nullopt;
}

// "one of a|b|c"
template <class E, size_t N> std::string enum_choices(const EnumTable<E, N> &table) {
  std::string out = "one of ";
  for (size_t i = 0; i < N; ++i)
    out += (i ? "|" : "") + std::string(table[i].name);
  return out;
}

} // namespace imc::detail
