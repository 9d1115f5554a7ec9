#pragma once
// What the API refuses before doing any work (docs/API.md): the proxy is not an open relay, so
// a body that names where to connect — a URL, host, port or base URL of its own — is refused
// (403 forbidden) wherever the key appears; endpoints are named only by their configured names;
// and images a request carries must be images (magic bytes) of bounded size and number.
#include "api_errors.h"

#include "imc/chat.h"
#include "imc/endpoint_config.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace imc::api {

// The JSON pointer of the first key in `body` (at any depth) that names a network location:
// url, uri, base_url, host, hostname, port, proxy, address, server, socket, api_base,
// endpoint_url — compared without case, '_' or '-'. nullopt when there is none.
std::optional<std::string> find_location_key(const nlohmann::ordered_json &body);

// forbidden() unless `body` holds no location key (see above).
std::optional<ApiFailure> refuse_location_keys(const nlohmann::ordered_json &body);

// forbidden() unless `name` is an endpoint of `config`; `field` names the body field.
std::optional<ApiFailure> refuse_unknown_endpoint(const EndpointConfig &config,
                                                  const std::string &name,
                                                  const std::string &field);

struct ImagePolicy {
  int64_t max_bytes = 10'000'000; // raw bytes per image
  int max_images = 8;             // per request
};

// Every image of `request` is a JPEG, PNG, GIF or WebP by its magic bytes (its mime_type is set
// from them), within the policy's size (413 too_large) and count (400). The request is changed
// only in the images' mime types.
std::optional<ApiFailure> check_images(ChatRequest &request, const ImagePolicy &policy);

} // namespace imc::api
