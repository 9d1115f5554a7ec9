#include "json_writer.h"

namespace imc::detail {

std::string dump_json(const Json &value, bool pretty) {
  if (!pretty)
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
  return value.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

} // namespace imc::detail
