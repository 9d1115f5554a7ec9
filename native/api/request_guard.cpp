#include "request_guard.h"

#include "imc/image_fit.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace imc::api {

namespace {

bool is_location_key(std::string_view key) {
  std::string folded;
  for (char c : key)
    if (c != '_' && c != '-')
      folded += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static constexpr std::array<std::string_view, 13> kKeys = {
      "url",     "uri",    "baseurl", "host",    "hostname",    "port",     "proxy",
      "address", "server", "socket",  "apibase", "endpointurl", "authority"};
  return std::find(kKeys.begin(), kKeys.end(), folded) != kKeys.end();
}

// Appends `key` to a JSON pointer, escaped (RFC 6901: ~ as ~0, / as ~1).
void append_escaped(std::string &out, const std::string &key) {
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
}

// `pointer` is the JSON pointer of `value`, one buffer for the whole search: each step appends
// its key or index and takes it off again, so nothing is built for the keys that are not found
// (every request body is searched, and nearly always nothing is).
std::optional<std::string> find_in(const nlohmann::ordered_json &value, std::string &pointer,
                                   int depth) {
  if (depth > 64)
    return pointer; // nesting this deep is no request of ours
  const size_t mark = pointer.size();
  if (value.is_object()) {
    for (auto it = value.begin(); it != value.end(); ++it) {
      pointer += '/';
      append_escaped(pointer, it.key());
      if (is_location_key(it.key()))
        return pointer;
      if (auto found = find_in(it.value(), pointer, depth + 1))
        return found;
      pointer.resize(mark);
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      pointer += '/';
      pointer += std::to_string(i);
      if (auto found = find_in(value[i], pointer, depth + 1))
        return found;
      pointer.resize(mark);
    }
  }
  return std::nullopt;
}

} // namespace

std::optional<std::string> find_location_key(const nlohmann::ordered_json &body) {
  std::string pointer;
  return find_in(body, pointer, 0);
}

std::optional<ApiFailure> refuse_location_keys(const nlohmann::ordered_json &body) {
  auto where = find_location_key(body);
  if (!where)
    return std::nullopt;
  return forbidden("the request names a network location (" + *where +
                       "): this server connects only to the endpoints of its own config",
                   "Name an endpoint by its configured name (GET /api/endpoints lists them); "
                   "URLs, hosts and ports are not accepted from the browser.");
}

std::optional<ApiFailure> refuse_unknown_endpoint(const EndpointConfig &config,
                                                  const std::string &name,
                                                  const std::string &field) {
  if (config.find(name))
    return std::nullopt;
  std::string names;
  for (const Endpoint &e : config.endpoints)
    names += (names.empty() ? "" : ", ") + e.name;
  return forbidden(field + ": no endpoint named '" + name + "' in this server's config",
                   names.empty() ? "This server has no endpoints: start `imc serve` with --config "
                                   "FILE to use models."
                                 : "Use one of the configured endpoints: " + names + ".");
}

std::optional<ApiFailure> check_images(ChatRequest &request, const ImagePolicy &policy) {
  int count = 0;
  for (size_t t = 0; t < request.turns.size(); ++t) {
    for (size_t p = 0; p < request.turns[t].content.size(); ++p) {
      auto *image = std::get_if<ImagePart>(&request.turns[t].content[p]);
      if (!image)
        continue;
      const std::string where =
          "/request/turns/" + std::to_string(t) + "/content/" + std::to_string(p);
      if (++count > policy.max_images)
        return bad_request(
            where + ": more than " + std::to_string(policy.max_images) + " images in one request",
            "Send at most " + std::to_string(policy.max_images) + " images per request.");
      if (static_cast<int64_t>(image->bytes.size()) > policy.max_bytes) {
        ApiFailure f;
        f.status = 413;
        f.kind = "too_large";
        f.message = where + ": an image of " + std::to_string(image->bytes.size()) +
                    " bytes (at most " + std::to_string(policy.max_bytes) + ")";
        f.hint = "Resize the image below " + std::to_string(policy.max_bytes / 1'000'000) +
                 " MB and send it again.";
        return f;
      }
      const ImageType type = sniff_image_type(image->bytes);
      if (type == ImageType::unknown)
        return bad_request(where + ": the data is not a JPEG, PNG, GIF or WebP image (by its "
                                   "first bytes)",
                           "Attach an image file in one of those formats.");
      image->mime_type = mime_type(type);
    }
  }
  return std::nullopt;
}

} // namespace imc::api
