// Written by hand (no library offers it): nlohmann escapes only inside dump(), which needs a
// document; simdjson 3.0 reads JSON but does not write it. tests/native/test_relay_json.cpp
// compares every byte with nlohmann's.
#include "imc/json_text.h"

#include <nlohmann/json.hpp>

#ifdef IMC_HAVE_SIMDJSON
#include <simdjson.h>
#endif

namespace imc {

namespace {

bool valid_utf8(std::string_view text) {
#ifdef IMC_HAVE_SIMDJSON
  return simdjson::validate_utf8(text.data(), text.size());
#else
  for (const char c : text)
    if (static_cast<unsigned char>(c) >= 0x80)
      return false; // not checked here: nlohmann's way
  return true;
#endif
}

} // namespace

void append_json_string(std::string &out, std::string_view text) {
  if (!valid_utf8(text)) {
    out += nlohmann::json(std::string(text))
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  size_t run = 0; // the first byte not yet written
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\')
      continue; // UTF-8 and DEL go as they are
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\b': out += "\\b"; break;
    case '\f': out += "\\f"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default: {
      const char escape[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      out.append(escape, sizeof escape);
    }
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

} // namespace imc
