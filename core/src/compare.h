#pragma once
// Internal: element-wise equality of vectors with a comparison function, for the operator== of
// the data model (nested structs compare through file-local functions, not public operators).
#include <algorithm>
#include <vector>

namespace imc::detail {

template <class T, class Same>
bool same_list(const std::vector<T> &a, const std::vector<T> &b, Same same) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), same);
}

} // namespace imc::detail
