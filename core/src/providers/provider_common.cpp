#include "provider_common.h"

#include "../text_util.h"
#include "imc/base64.h"
#include "imc/provider.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <utility>

namespace imc::wire {

// ---------------------------------------------------------------------------------------------
// JSON

Json parse_json(std::string_view text) {
  return Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

std::string to_json_text(const OrderedJson &j) {
  return j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

const Json *member(const Json &j, const char *key) {
  if (!j.is_object())
    return nullptr;
  const auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string string_member(const Json &j, const char *key) {
  const Json *v = member(j, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

std::optional<int64_t> int_member(const Json &j, const char *key) {
  const Json *v = member(j, key);
  if (!v)
    return std::nullopt;
  if (v->is_number_unsigned()) {
    const auto u = v->get<uint64_t>();
    return u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
               ? std::numeric_limits<int64_t>::max()
               : static_cast<int64_t>(u);
  }
  if (v->is_number_integer())
    return v->get<int64_t>();
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (std::isfinite(d) && std::fabs(d) < 9e15)
      return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

int64_t sum_ints(const Json &j, std::initializer_list<const char *> keys) {
  int64_t total = 0;
  for (const char *key : keys)
    total += int_member(j, key).value_or(0);
  return total;
}

const Json *first_object(const Json &j, const char *key) {
  const Json *array = member(j, key);
  if (!array || !array->is_array() || array->empty() || !(*array)[0].is_object())
    return nullptr;
  return &(*array)[0];
}

// ---------------------------------------------------------------------------------------------
// Requests

namespace {

std::string endpoint_source(const Endpoint &endpoint) {
  return endpoint.name.empty() ? "endpoint" : "endpoint " + endpoint.name;
}

std::string describe_image(const ImagePart &image, std::string what) {
  return image.source_name.empty() ? what : image.source_name + ": " + what;
}

std::string accepted_names(const ImageLimits &limits) {
  std::string out;
  for (ImageType t : limits.accepted)
    out += (out.empty() ? "" : ", ") + std::string(mime_type(t));
  return out;
}

} // namespace

Error endpoint_error(const Endpoint &endpoint, std::string pointer, std::string expected,
                     std::string found) {
  return Error{endpoint_source(endpoint), std::move(pointer), std::move(expected),
               std::move(found)};
}

std::optional<UrlParts> check_endpoint(const Endpoint &endpoint, Errors &errors) {
  if (endpoint.model.empty())
    errors.push_back(endpoint_error(endpoint, "/model", "a model id", "an empty string"));
  auto url = split_url(endpoint.base_url);
  if (!url) {
    errors.push_back(endpoint_error(endpoint, "/base_url", "an http:// or https:// URL",
                                    "\"" + endpoint.base_url + "\""));
    return std::nullopt;
  }
  return std::move(*url);
}

std::string part_pointer(size_t turn, size_t part) {
  return "/turns/" + std::to_string(turn) + "/content/" + std::to_string(part);
}

void check_turns(const Endpoint &endpoint, const ChatRequest &request, Errors &errors) {
  if (request.turns.empty())
    errors.push_back(Error{kRequestSource, "/turns", "at least one turn", "none"});
  for (size_t t = 0; t < request.turns.size(); ++t) {
    const ChatTurn &turn = request.turns[t];
    bool has_content = false;
    for (size_t p = 0; p < turn.content.size(); ++p) {
      const auto *image = std::get_if<ImagePart>(&turn.content[p]);
      if (!image) {
        has_content = has_content || !std::get<TextPart>(turn.content[p]).text.empty();
        continue;
      }
      has_content = true;
      if (!endpoint.capabilities.images)
        errors.push_back(
            Error{kRequestSource, part_pointer(t, p),
                  "no images (" + endpoint_source(endpoint) + " has capabilities.images = false)",
                  describe_image(*image, "an image")});
      else if (turn.role != ChatRole::user)
        errors.push_back(Error{kRequestSource, part_pointer(t, p), "images in user turns only",
                               describe_image(*image, "an image in an assistant turn")});
    }
    if (!has_content)
      errors.push_back(Error{kRequestSource, "/turns/" + std::to_string(t),
                             "a turn with text or an image", "an empty turn"});
  }
}

std::optional<EncodedImage> encode_image(const ImagePart &image, const ImageLimits &limits,
                                         const std::string &pointer, Errors &errors) {
  const ImageType type = sniff_image_type(image.bytes);
  const auto fail = [&](std::string expected, std::string found) {
    errors.push_back(Error{kRequestSource, pointer, std::move(expected),
                           describe_image(image, std::move(found))});
    return std::nullopt;
  };
  if (type == ImageType::unknown)
    return fail("a JPEG, PNG, GIF or WebP image", "unrecognised bytes");
  if (!limits.accepts(type))
    return fail("one of " + accepted_names(limits) + " (fit_image converts)", mime_type(type));
  if (static_cast<int64_t>(image.bytes.size()) > limits.max_bytes)
    return fail("at most " + std::to_string(limits.max_bytes) + " bytes (fit_image shrinks)",
                std::to_string(image.bytes.size()) + " bytes");
  if (const auto size = image_size(image.bytes);
      size && std::max(size->width, size->height) > limits.max_long_side)
    return fail("a long side of at most " + std::to_string(limits.max_long_side) +
                    " px (fit_image shrinks)",
                std::to_string(size->width) + "x" + std::to_string(size->height));
  return EncodedImage{mime_type(type), base64_encode(image.bytes)};
}

RequestDraft start_request(const Endpoint &endpoint, const ChatRequest &request) {
  RequestDraft draft;
  draft.base_url = check_endpoint(endpoint, draft.errors);
  check_turns(endpoint, request, draft.errors);
  draft.params = effective_parameters(endpoint, request.parameters);
  draft.limits = &image_limits(endpoint.protocol);
  return draft;
}

Result<HttpRequest> finish_request(const Endpoint &endpoint, RequestDraft &draft, std::string url,
                                   const OrderedJson &body, std::string_view stream_accept,
                                   std::string_view default_key_header) {
  return finish_request(endpoint, draft, std::move(url), to_json_text(body), stream_accept,
                        default_key_header);
}

Result<HttpRequest> finish_request(const Endpoint &endpoint, RequestDraft &draft, std::string url,
                                   std::string body, std::string_view stream_accept,
                                   std::string_view default_key_header) {
  HttpRequest http;
  http.auth = auth_needs(endpoint, default_key_header, draft.errors);
  if (!draft.errors.empty())
    return std::move(draft.errors);
  http.url = std::move(url);
  http.headers = {
      {"content-type", "application/json"},
      {"accept", draft.params.stream ? std::string(stream_accept) : "application/json"}};
  for (const auto &h : endpoint.extra_headers)
    http.headers.push_back(h);
  http.body = std::move(body);
  http.stream = draft.params.stream;
  return http;
}

Finish finish_from(const std::string &raw, FinishTable table) {
  for (const auto &[name, reason] : table)
    if (raw == name)
      return {reason, raw};
  return {FinishReason::other, raw};
}

std::string join_url(std::string_view base_url, std::string_view path) {
  while (!base_url.empty() && base_url.back() == '/')
    base_url.remove_suffix(1);
  std::string url;
  url.reserve(base_url.size() + path.size());
  url.append(base_url).append(path);
  return url;
}

std::vector<AuthNeed> auth_needs(const Endpoint &endpoint, std::string_view default_key_header,
                                 Errors &errors) {
  const EndpointAuth &a = endpoint.auth;
  const auto need_env = [&](const std::string &env, const char *pointer) {
    if (env.empty())
      errors.push_back(endpoint_error(endpoint, pointer, "the name of an environment variable",
                                      "an empty string"));
  };
  std::vector<AuthNeed> needs;
  switch (a.type) {
  case AuthType::none:
    break;
  case AuthType::bearer:
  case AuthType::bedrock_api_key:
    need_env(a.api_key_env, "/auth/api_key_env");
    needs.emplace_back(EnvSecretHeader{"authorization", "Bearer ", a.api_key_env});
    break;
  case AuthType::api_key_header: {
    need_env(a.api_key_env, "/auth/api_key_env");
    std::string header = ascii::lower(a.header.empty() ? default_key_header : a.header);
    if (header.empty())
      errors.push_back(endpoint_error(endpoint, "/auth/header", "a header name", "none"));
    needs.emplace_back(EnvSecretHeader{std::move(header), "", a.api_key_env});
    break;
  }
  case AuthType::sigv4: {
    SigV4Signing s{a.access_key_id_env.empty() ? "AWS_ACCESS_KEY_ID" : a.access_key_id_env,
                   a.secret_access_key_env.empty() ? "AWS_SECRET_ACCESS_KEY"
                                                   : a.secret_access_key_env,
                   a.session_token_env, a.region, a.service.empty() ? "bedrock" : a.service};
    if (s.region.empty())
      errors.push_back(endpoint_error(endpoint, "/auth/region", "an AWS region", "none"));
    needs.emplace_back(std::move(s));
    break;
  }
  }
  return needs;
}

// ---------------------------------------------------------------------------------------------
// Errors

ErrorKind kind_for_status(int status) {
  if (status == 408)
    return ErrorKind::timeout;
  if (status == 429)
    return ErrorKind::rate_limited;
  if (status == 503 || status == 529)
    return ErrorKind::overloaded;
  if (status >= 500 && status <= 599)
    return ErrorKind::server;
  if (status == 401 || status == 403)
    return ErrorKind::auth;
  if (status >= 400 && status <= 499)
    return ErrorKind::bad_request;
  return ErrorKind::protocol;
}

std::optional<ErrorKind> kind_for_code(std::string_view code) {
  static constexpr std::array<std::pair<std::string_view, ErrorKind>, 27> kCodes{{
      {"rate_limit_error", ErrorKind::rate_limited},    // Anthropic
      {"rate_limit_exceeded", ErrorKind::rate_limited}, // OpenAI
      {"resource_exhausted", ErrorKind::rate_limited},  // Gemini
      {"throttlingexception", ErrorKind::rate_limited}, // Bedrock
      {"modelnotreadyexception", ErrorKind::rate_limited},
      {"overloaded_error", ErrorKind::overloaded},
      {"unavailable", ErrorKind::overloaded},
      {"serviceunavailableexception", ErrorKind::overloaded},
      {"api_error", ErrorKind::server},
      {"server_error", ErrorKind::server},
      {"internal", ErrorKind::server},
      {"internalserverexception", ErrorKind::server},
      {"modelstreamerrorexception", ErrorKind::server},
      {"timeout_error", ErrorKind::timeout},
      {"deadline_exceeded", ErrorKind::timeout},
      {"modeltimeoutexception", ErrorKind::timeout},
      {"authentication_error", ErrorKind::auth},
      {"permission_error", ErrorKind::auth},
      {"unauthenticated", ErrorKind::auth},
      {"permission_denied", ErrorKind::auth},
      {"accessdeniedexception", ErrorKind::auth},
      {"unrecognizedclientexception", ErrorKind::auth},
      {"invalid_request_error", ErrorKind::bad_request},
      {"invalid_argument", ErrorKind::bad_request},
      {"validationexception", ErrorKind::bad_request},
      {"not_found_error", ErrorKind::bad_request},
      {"request_too_large", ErrorKind::bad_request},
  }};
  for (const auto &[name, kind] : kCodes)
    if (ascii::iequals(code, name))
      return kind;
  return std::nullopt;
}

namespace {

// The start of a body that is not a provider error document, safe for a log line.
std::string excerpt(std::string_view body) {
  if (body.empty())
    return "(empty body)";
  constexpr size_t kMax = 300;
  std::string out(body.substr(0, kMax));
  for (auto &c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F)
      c = ' ';
  if (body.size() > kMax)
    out += "...";
  return out;
}

// Gemini: error.details[] holds {"@type": ".../google.rpc.RetryInfo", "retryDelay": "30s"}.
std::optional<int64_t> retry_delay_ms(const Json &error) {
  const Json *details = member(error, "details");
  if (!details || !details->is_array())
    return std::nullopt;
  for (const auto &d : *details) {
    std::string delay = string_member(d, "retryDelay");
    if (delay.size() < 2 || delay.back() != 's')
      continue;
    delay.pop_back();
    if (auto ms = parse_retry_after_ms(delay))
      return ms;
  }
  return std::nullopt;
}

struct ParsedError {
  ProviderError error;
  std::optional<int64_t> retry_after_ms;
};

ParsedError parse_error(const Json &body) {
  ParsedError out;
  const Json *root = &body;
  if (body.is_array() && !body.empty())
    root = &body[0];
  ProviderError &e = out.error;
  if (const Json *error = member(*root, "error")) {
    if (error->is_string()) {
      e.message = error->get<std::string>();
    } else {
      e.message = string_member(*error, "message");
      for (const char *key : {"code", "type", "status"})
        if (e.code.empty())
          e.code = string_member(*error, key);
      if (auto status = int_member(*error, "code"); status && *status >= 100 && *status <= 599)
        e.status = static_cast<int>(*status);
      out.retry_after_ms = retry_delay_ms(*error);
    }
  }
  for (const char *key : {"message", "Message", "detail"})
    if (e.message.empty())
      e.message = string_member(*root, key);
  if (e.code.empty()) {
    e.code = string_member(*root, "__type"); // AWS JSON protocol: "...#ThrottlingException"
    if (const size_t hash = e.code.rfind('#'); hash != std::string::npos)
      e.code.erase(0, hash + 1);
  }
  if (const std::string type = string_member(*root, "type"); e.code.empty() && type != "error")
    e.code = type;
  return out;
}

std::string with_code(std::string_view code, std::string_view message) {
  if (code.empty())
    return std::string(message);
  return std::string(code) + ": " + std::string(message);
}

} // namespace

ProviderError provider_error(const Json &body) { return parse_error(body).error; }

StreamError http_error(const HttpResponseHead &head, std::string_view body,
                       std::string_view code_override) {
  StreamError out;
  out.http_status = head.status;
  out.kind = kind_for_status(head.status);
  const Json json = parse_json(body);
  ParsedError parsed;
  if (!json.is_discarded())
    parsed = parse_error(json);
  std::string code(code_override);
  if (code.empty())
    if (const auto *aws = find_header(head.headers, "x-amzn-errortype")) // "Name:namespace-url"
      code = aws->substr(0, aws->find(':'));
  if (code.empty())
    code = parsed.error.code;
  const std::string &message = parsed.error.message;
  out.message = "HTTP " + std::to_string(head.status) + " " +
                with_code(code, message.empty() ? excerpt(body) : message);
  if (is_retryable(out.kind)) {
    out.retry_after_ms = retry_after_ms(head);
    if (!out.retry_after_ms)
      out.retry_after_ms = parsed.retry_after_ms;
  }
  return out;
}

StreamError in_band_error(const ProviderError &e) {
  StreamError out;
  if (e.status >= 400)
    out.kind = kind_for_status(e.status);
  else
    out.kind = kind_for_code(e.code).value_or(ErrorKind::server);
  out.message = with_code(e.code, e.message.empty() ? "error without a message" : e.message);
  return out;
}

StreamError protocol_error(std::string message) {
  StreamError e;
  e.kind = ErrorKind::protocol;
  e.message = std::move(message);
  return e;
}

// ---------------------------------------------------------------------------------------------
// Decoding

void EventSink::text(std::string_view text) {
  if (!done_ && !text.empty())
    events_.emplace_back(TextDelta{std::string(text)});
}

void EventSink::usage(Usage usage) {
  if (!done_)
    events_.emplace_back(usage);
}

void EventSink::finish(Finish finish) {
  if (done_)
    return;
  events_.emplace_back(std::move(finish));
  done_ = true;
}

void EventSink::fail(StreamError error) {
  if (done_)
    return;
  events_.emplace_back(std::move(error));
  done_ = true;
}

std::vector<ChatEvent> EventSink::take() { return std::exchange(events_, {}); }

void EventSink::take_into(std::vector<ChatEvent> &out) {
  out.clear();
  out.swap(events_);
}

namespace {

bool is_json_content_type(const Headers &headers) {
  const std::string *value = find_header(headers, "content-type");
  if (!value)
    return false;
  const std::string media =
      ascii::lower(ascii::trim(std::string_view(*value).substr(0, value->find(';'))));
  return media == "application/json" || ascii::ends_with(media, "+json");
}

} // namespace

StreamDecoderBase::StreamDecoderBase(const HttpResponseHead &head, WholeBodyDecoder whole)
    : whole_(whole) {
  buffer_whole_ = head.status < 200 || head.status > 299 || is_json_content_type(head.headers);
  if (buffer_whole_)
    head_ = head; // read with the whole body at the end; a stream needs no copy of it
}

std::vector<ChatEvent> StreamDecoderBase::feed(std::string_view bytes) {
  if (sink_.done())
    return {};
  consume_or_buffer(bytes);
  return sink_.take();
}

void StreamDecoderBase::feed(std::string_view bytes, std::vector<ChatEvent> &out) {
  if (sink_.done()) {
    out.clear();
    return;
  }
  consume_or_buffer(bytes);
  sink_.take_into(out);
}

void StreamDecoderBase::consume_or_buffer(std::string_view bytes) {
  if (!buffer_whole_) {
    consume(bytes);
  } else if (body_.size() + bytes.size() > kMaxBufferedBody) {
    body_.clear();
    sink_.fail(
        protocol_error("response body larger than " + std::to_string(kMaxBufferedBody) + " bytes"));
  } else {
    body_.append(bytes);
  }
}

std::vector<ChatEvent> StreamDecoderBase::finish() {
  if (!sink_.done()) {
    if (buffer_whole_)
      whole_(head_, body_, sink_);
    else
      end_of_stream();
  }
  if (!sink_.done())
    sink_.fail(protocol_error(kTruncated));
  return sink_.take();
}

void StreamDecoderBase::end_of_stream() {
  if (pending_finish_)
    sink_.finish(*pending_finish_);
  else
    sink_.fail(protocol_error(kTruncated));
}

void SseStreamDecoder::Relay::on_sse_event(const SseEvent &event) {
  if (!decoder->sink_.done())
    decoder->on_event(event);
}

void SseStreamDecoder::consume(std::string_view bytes) {
  relay_.decoder = this; // set here, not at construction: decoders are moved
  const bool ok = parser_.feed(bytes, relay_);
  if (sink_.done())
    return;
  if (!ok)
    sink_.fail(protocol_error("stream event larger than " +
                              std::to_string(SseParser::kDefaultMaxEventBytes) + " bytes"));
}

void SseStreamDecoder::end_of_stream() {
  const SseEnd end = parser_.finish();
  if (!pending_finish_ && end == SseEnd::incomplete_event)
    sink_.fail(protocol_error(std::string(kTruncated) + " (inside an event)"));
  else
    StreamDecoderBase::end_of_stream();
}

Json SseStreamDecoder::parse_event_json(const SseEvent &event) {
  Json j = parse_json(event.data);
  if (j.is_discarded())
    sink_.fail(protocol_error("invalid JSON in stream event \"" + event.type +
                              "\": " + excerpt(event.data)));
  return j;
}

std::optional<Json> parse_success_body(const HttpResponseHead &head, std::string_view body,
                                       EventSink &sink) {
  if (head.status < 200 || head.status > 299) {
    sink.fail(http_error(head, body));
    return std::nullopt;
  }
  Json json = parse_json(body);
  if (json.is_discarded()) {
    sink.fail(protocol_error("invalid JSON in response: " + excerpt(body)));
    return std::nullopt;
  }
  if (const Json *error = member(json, "error"); error && !error->is_null()) {
    sink.fail(in_band_error(provider_error(json)));
    return std::nullopt;
  }
  return json;
}

std::vector<ChatEvent> decode_whole_response(const HttpResponseHead &head, std::string_view body,
                                             WholeBodyDecoder whole) {
  EventSink sink;
  whole(head, body, sink);
  if (!sink.done())
    sink.fail(protocol_error("response ended before completion"));
  return sink.take();
}

} // namespace imc::wire
