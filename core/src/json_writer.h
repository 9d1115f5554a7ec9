#pragma once
// Internal: canonical JSON text for the serialisers. Keys go in schema order (the order they are
// added), optional fields are left out when empty, so equal values always give equal bytes.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imc::detail {

using Json = nlohmann::ordered_json;

// 2-space indent plus a final newline when `pretty`, else one line (for JSON Lines). Invalid
// UTF-8 is replaced rather than thrown on: serialising never fails.
std::string dump_json(const Json &value, bool pretty);

inline void put_if_not_empty(Json &object, const char *key, const std::string &value) {
  if (!value.empty())
    object[key] = value;
}

inline void put_if_not_empty(Json &object, const char *key, const std::vector<std::string> &value) {
  if (!value.empty())
    object[key] = value;
}

// A JSON array of `to_json(item)` for each item.
template <class T, class ToJson> Json list_json(const std::vector<T> &items, ToJson to_json) {
  Json out = Json::array();
  for (const auto &item : items)
    out.push_back(to_json(item));
  return out;
}

template <class T, class ToJson>
void put_list_if_not_empty(Json &object, const char *key, const std::vector<T> &items,
                           ToJson to_json) {
  if (!items.empty())
    object[key] = list_json(items, to_json);
}

template <class T> void put_if_set(Json &object, const char *key, const std::optional<T> &value) {
  if (value)
    object[key] = *value;
}

} // namespace imc::detail
