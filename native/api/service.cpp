// ImcApiService: setup, routing, and the small reading routes (health, endpoints, packs).
#include "service_impl.h"

#include "safe_files.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <fstream>
#include <sstream>

#ifndef IMC_VERSION
#define IMC_VERSION "0.0.0"
#endif

namespace imc::api {

std::string dump(const Json &j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

// Every reply and event of the service goes through here: the values of the key variables are
// replaced, whatever produced the text (a model quoting a key back, a store row).
class ScrubbingSink : public ApiSink {
public:
  ScrubbingSink(ApiSink &inner, const transport::SecretValues &secrets,
                std::shared_ptr<ApiSink> owned = nullptr)
      : owned_(std::move(owned)), inner_(inner), secrets_(secrets) {}
  // (if/else, not ?:, which would copy `json` into a temporary every time.)
  void reply(int status, const std::string &json) override {
    replied_ = true;
    if (secrets_.found_in(json))
      inner_.reply(status, secrets_.scrub(json));
    else
      inner_.reply(status, json);
  }
  bool event(const std::string &name, const std::string &json) override {
    streamed_ = true;
    if (secrets_.found_in(json))
      return inner_.event(name, secrets_.scrub(json));
    return inner_.event(name, json);
  }
  bool events(ApiEventList list) override {
    streamed_ = true;
    // Every relayed chunk comes here: copied only when there is something to scrub.
    if (std::none_of(list.begin(), list.end(),
                     [this](const ApiEvent &e) { return secrets_.found_in(e.json); }))
      return inner_.events(list);
    std::vector<ApiEvent> scrubbed(list.begin(), list.end());
    for (auto &e : scrubbed)
      if (secrets_.found_in(e.json))
        e.json = secrets_.scrub(e.json);
    return inner_.events(scrubbed);
  }
  bool cancelled() const override { return inner_.cancelled(); }
  int watch_fd() const override { return inner_.watch_fd(); }
  // The detached rest of the call is scrubbed the same way.
  std::shared_ptr<ApiSink> detach() override {
    auto inner = inner_.detach();
    if (!inner)
      return nullptr;
    detached_ = true;
    ApiSink &ref = *inner;
    return std::make_shared<ScrubbingSink>(ref, secrets_, std::move(inner));
  }
  bool answered() const { return replied_ || streamed_ || detached_; }
  bool streamed() const { return streamed_; }

private:
  std::shared_ptr<ApiSink> owned_; // the detached sink this one wraps
  ApiSink &inner_;
  const transport::SecretValues &secrets_;
  bool replied_ = false;
  bool streamed_ = false;
  bool detached_ = false;
};

Result<std::string> read_text(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return Error{path, "", "a readable file", "none there"};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool valid_id(const std::string &id) {
  if (id.empty() || id.size() > 200)
    return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
      return false;
  return id.front() != '.';
}

std::vector<std::string> split_path(const std::string &path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos)
      end = path.size();
    if (end > start)
      parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// The values of every variable an endpoint's auth names, so that no reply can carry one.
transport::SecretValues secret_values(const EndpointConfig &config, const EnvLookup &env) {
  transport::SecretValues values;
  for (const Endpoint &e : config.endpoints) {
    for (const std::string *name : {&e.auth.api_key_env, &e.auth.access_key_id_env,
                                    &e.auth.secret_access_key_env, &e.auth.session_token_env}) {
      if (name->empty())
        continue;
      if (auto value = env(*name))
        values.add(*value);
    }
  }
  // SigV4's defaults when the config leaves them out.
  for (const Endpoint &e : config.endpoints) {
    if (e.auth.type != AuthType::sigv4)
      continue;
    for (const char *name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"})
      if (auto value = env(name))
        values.add(*value);
  }
  return values;
}

Result<std::vector<NamedJury>> load_juries(const ServiceSettings &settings,
                                           const EndpointConfig &endpoints) {
  std::vector<NamedJury> juries;
  Errors errors;
  for (const std::string &path : settings.jury_paths) {
    auto text = read_text(path);
    if (!text) {
      errors.insert(errors.end(), text.errors().begin(), text.errors().end());
      continue;
    }
    auto file = parse_jury_config(*text, path);
    if (!file) {
      errors.insert(errors.end(), file.errors().begin(), file.errors().end());
      continue;
    }
    auto config = resolve_jury_config(*file, endpoints, path);
    if (!config) {
      errors.insert(errors.end(), config.errors().begin(), config.errors().end());
      continue;
    }
    NamedJury jury{file->name, path, std::move(*config), file->calibration, {}};
    for (const auto &entry : file->panel)
      jury.panel.push_back(entry.endpoint);
    juries.push_back(std::move(jury));
  }
  if (!errors.empty())
    return errors;
  if (!juries.empty() || endpoints.endpoints.empty())
    return juries;
  // The default jury: the listed endpoints, else every endpoint of the config.
  NamedJury jury;
  jury.name = "default";
  jury.source = "default";
  std::vector<std::string> names = settings.default_jurors;
  if (names.empty())
    for (const Endpoint &e : endpoints.endpoints)
      names.push_back(e.name);
  for (const std::string &name : names) {
    const Endpoint *e = endpoints.find(name);
    if (!e) {
      errors.push_back(
          Error{"--jurors", "", "an endpoint of the endpoint config", "'" + name + "'"});
      continue;
    }
    JurorEndpoint juror;
    juror.endpoint = e->name;
    juror.model = e->model;
    juror.parameters.temperature = e->defaults.temperature;
    juror.parameters.max_tokens = e->defaults.max_tokens;
    juror.parameters.stream = e->capabilities.streaming;
    jury.config.panel.push_back(std::move(juror));
    jury.panel.push_back(e->name);
  }
  if (!errors.empty())
    return errors;
  juries.push_back(std::move(jury));
  return juries;
}

} // namespace

Service::Service(ServiceSettings settings, EndpointConfig endpoints, std::optional<CasePack> pack,
                 std::unique_ptr<PackFiles> files, std::vector<NamedJury> juries,
                 std::unique_ptr<StorePool> store)
    : settings_(std::move(settings)), endpoints_(std::move(endpoints)), pack_(std::move(pack)),
      files_(std::move(files)), juries_(std::move(juries)), store_(std::move(store)),
      secrets_(secret_values(endpoints_, settings_.transport.env ? settings_.transport.env
                                                                 : transport::process_env())),
      transport_(settings_.transport) {}

Service::~Service() { drain(std::chrono::milliseconds(0), std::chrono::milliseconds(5000)); }

Result<std::unique_ptr<ImcApiService>> make_api_service(const ServiceSettings &settings) {
  Errors errors;
  EndpointConfig endpoints;
  if (!settings.endpoints_path.empty()) {
    auto text = read_text(settings.endpoints_path);
    if (!text)
      return text.errors();
    auto parsed = parse_endpoint_config(*text, settings.endpoints_path);
    if (!parsed)
      return parsed.errors();
    endpoints = std::move(*parsed);
  }
  std::optional<CasePack> pack;
  std::unique_ptr<PackFiles> files;
  if (!settings.pack_dir.empty()) {
    auto root = canonical_folder(settings.pack_dir);
    if (!root)
      return Error{settings.pack_dir, "", "a case pack folder", "no folder there"};
    auto dir = std::make_unique<DirPackFiles>(*root);
    auto loaded = load_case_pack(*dir);
    if (!loaded) {
      Errors named;
      for (Error e : loaded.errors()) {
        e.file = settings.pack_dir + "/" + e.file;
        named.push_back(std::move(e));
      }
      return named;
    }
    pack = std::move(*loaded);
    files = std::move(dir);
  }
  auto juries = load_juries(settings, endpoints);
  if (!juries)
    return juries.errors();
  if (settings.store_path.empty())
    return Error{"store", "", "a store file (--store FILE)", "none"};
  auto store = StorePool::open(settings.store_path);
  if (!store)
    return store.errors();
  return std::unique_ptr<ImcApiService>(new Service(settings, std::move(endpoints), std::move(pack),
                                                    std::move(files), std::move(*juries),
                                                    std::move(*store)));
}

std::string Service::describe() const {
  std::string names;
  for (const Endpoint &e : endpoints_.endpoints)
    names += (names.empty() ? "" : ", ") + e.name;
  std::string juries;
  for (const NamedJury &j : juries_)
    juries += (juries.empty() ? "" : ", ") + j.name;
  std::string out = "endpoints: " + (names.empty() ? std::string("none (replay only)") : names);
  out += "; juries: " + (juries.empty() ? std::string("none")
                                        : juries + " (the default: " + juries_.front().name + ")");
  if (pack_)
    out +=
        "; pack: " + pack_->manifest.name + " (" + std::to_string(pack_->cases.size()) + " cases)";
  return out;
}

size_t Service::drain(std::chrono::milliseconds deadline, std::chrono::milliseconds grace) {
  watch_.stop_accepting();
  if (watch_.wait_idle(deadline))
    return 0;
  watch_.cancel_all();
  watch_.wait_idle(grace);
  return watch_.active();
}

void Service::handle(const ApiRequest &request, ApiSink &raw_sink) {
  ScrubbingSink sink(raw_sink, secrets_);
  try {
    route(request, sink);
  } catch (const std::exception &e) {
    const ApiFailure f = unavailable(std::string("internal error: ") + e.what(),
                                     "Try again; if it persists, report it with imc serve's log.");
    if (sink.streamed())
      sink.event("error", error_json(f));
    else if (!sink.answered())
      reply_error(sink, f);
    return;
  }
  if (!sink.answered())
    reply_error(sink, unavailable("the request ended without an answer",
                                  "Try again; if it persists, report it with imc serve's log."));
}

void Service::route(const ApiRequest &request, ApiSink &sink) {
  // The relayed chat first, without splitting its path: the route of nearly every request under
  // load.
  if (request.method == "POST" && request.path == "/api/chat")
    return chat(request, sink);
  const auto parts = split_path(request.path);
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool post = request.method == "POST";
  if (parts.empty() || parts[0] != "api")
    return reply_error(sink, not_found("no API route " + request.path,
                                       "API routes start with /api/ (docs/API.md)."));
  const size_t n = parts.size();
  auto is = [&](std::initializer_list<const char *> want) {
    if (want.size() != n)
      return false;
    size_t i = 0;
    for (const char *w : want) {
      if (*w != '*' && parts[i] != w)
        return false;
      if (*w == '*' && !valid_id(parts[i]))
        return false;
      ++i;
    }
    return true;
  };
  auto wrong_method = [&](const char *allowed) {
    ApiFailure f = bad_request(request.method + " is not allowed on " + request.path,
                               std::string("Use ") + allowed + " (docs/API.md).");
    f.status = 405;
    reply_error(sink, f);
  };
  if (is({"api", "chat"})) // (another method, or a path that splits the same: "/api//chat")
    return post ? chat(request, sink) : wrong_method("POST");
  // A path segment that should be an id but is not one.
  if (n >= 3 && (parts[1] == "transcripts" || parts[1] == "sessions" || parts[1] == "reports") &&
      !valid_id(parts[2]))
    return reply_error(sink, bad_request("'" + parts[2] + "' is not an id",
                                         "Ids are letters, digits, '-', '_' and '.'."));

  if (is({"api", "health"}))
    return get ? health(sink) : wrong_method("GET");
  if (is({"api", "endpoints"}))
    return get ? list_endpoints(sink) : wrong_method("GET");
  if (is({"api", "packs"}))
    return get ? list_packs(sink) : wrong_method("GET");
  if (is({"api", "runs"}))
    return get ? list_runs(sink) : wrong_method("GET");
  if (is({"api", "transcripts"}))
    return get ? list_transcripts(request, sink) : wrong_method("GET");
  if (is({"api", "transcripts", "*"}))
    return get ? get_transcript(parts[2], sink) : wrong_method("GET");
  if (is({"api", "transcripts", "*", "verdicts"}))
    return get ? get_verdicts(parts[2], sink) : wrong_method("GET");
  if (is({"api", "transcripts", "*", "wirelogs"}))
    return get ? get_wire_logs(parts[2], sink) : wrong_method("GET");
  if (is({"api", "transcripts", "*", "annotations"})) {
    if (get)
      return get_annotations(parts[2], sink);
    return post ? save_annotation(parts[2], request, sink) : wrong_method("GET or POST");
  }
  if (is({"api", "reports", "*"}))
    return get ? get_report(parts[2], request, sink) : wrong_method("GET");
  if (is({"api", "sessions"}))
    return post ? start_session(request, sink) : wrong_method("POST");
  if (is({"api", "sessions", "*", "human"}))
    return post ? human_turn(parts[2], request, sink) : wrong_method("POST");
  if (is({"api", "sessions", "*", "stop"}))
    return post ? stop_session(parts[2], sink) : wrong_method("POST");
  if (is({"api", "jury"}))
    return post ? score(request, sink) : wrong_method("POST");
  reply_error(sink, not_found("no API route " + request.method + " " + request.path,
                              "See docs/API.md for the routes."));
}

// --- Helpers ------------------------------------------------------------------------------------

std::optional<StorePool::Lease> Service::lease_store(ApiSink &sink) {
  auto lease = store_->lease();
  if (!lease) {
    reply_error(sink, unavailable("the store cannot be opened: " + format_errors(lease.errors()),
                                  "Check the disk and the --store file of imc serve."));
    return std::nullopt;
  }
  return std::move(*lease);
}

std::optional<Json> Service::parse_body(const ApiRequest &request, ApiSink &sink) {
  Json body = Json::parse(request.body.empty() ? std::string("{}") : request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    reply_error(sink, bad_request("the request body is not a JSON object",
                                  "Send a JSON object (docs/API.md shows each route's body)."));
    return std::nullopt;
  }
  if (auto refused = refuse_location_keys(body)) {
    reply_error(sink, *refused);
    return std::nullopt;
  }
  return body;
}

const Case *Service::find_case(const std::string &case_id, ApiSink &sink) {
  if (!pack_) {
    reply_error(sink,
                unavailable("this server has no case pack", "Start imc serve with --pack DIR."));
    return nullptr;
  }
  const Case *c = pack_->find_case(case_id);
  if (!c)
    reply_error(sink, not_found("no case '" + case_id + "' in pack " + pack_->manifest.name,
                                "GET /pack/manifest.json lists the pack's cases."));
  return c;
}

const NamedJury *Service::find_jury(const std::string &name, ApiSink &sink) {
  if (juries_.empty()) {
    reply_error(sink, unavailable("this server has no jury",
                                  "Start imc serve with --config FILE (and --jury FILE)."));
    return nullptr;
  }
  if (name.empty())
    return &juries_.front();
  for (const NamedJury &j : juries_)
    if (j.name == name)
      return &j;
  std::string names;
  for (const NamedJury &j : juries_)
    names += (names.empty() ? "" : ", ") + j.name;
  reply_error(sink,
              bad_request("no jury named '" + name + "'",
                          "Leave \"jury\" out for the default, or use one of: " + names + "."));
  return nullptr;
}

std::optional<StreamWatch::Registration> Service::watch_stream(const ApiSink &sink,
                                                               std::function<void()> cancel) {
  return watch_.add(sink, std::move(cancel));
}

Json Service::aggregate_json(const JuryResult &result) const {
  Json out = Json::object();
  for (Dimension d : kDimensions) {
    const DimensionResult &r = result[d];
    if (r.scored == 0 || !r.mean) {
      out[to_string(d)] = nullptr;
      continue;
    }
    Json dim{{"mean", *r.mean},
             {"median", r.median ? Json(*r.median) : Json(nullptr)},
             {"majority", r.majority ? Json(r.majority->score) : Json(nullptr)},
             {"n", r.scored}};
    if (r.spread)
      dim["spread"] = *r.spread;
    out[to_string(d)] = dim;
  }
  if (auto overall = result.overall())
    out["overall"] = *overall;
  return out;
}

// --- Small reading routes -----------------------------------------------------------------------

void Service::health(ApiSink &sink) {
  bool store_ok = false;
  if (auto lease = store_->lease())
    store_ok = static_cast<bool>((*lease)->counts());
  Json juries = Json::array();
  for (const NamedJury &j : juries_)
    juries.push_back(j.name);
  Json out{{"ok", store_ok},
           {"version", IMC_VERSION},
           {"store", store_ok},
           {"endpoints", endpoints_.endpoints.size()},
           {"pack", pack_ ? Json(pack_->manifest.name) : Json(nullptr)},
           {"juries", juries},
           {"default_jury", juries_.empty() ? Json(nullptr) : Json(juries_.front().name)},
           {"streams", watch_.active()},
           {"accepting", watch_.accepting()}};
  sink.reply(store_ok ? 200 : 503, dump(out));
}

void Service::list_endpoints(ApiSink &sink) {
  // Names and capabilities only: never base_url, auth, headers or limits.
  Json out = Json::array();
  for (const Endpoint &e : endpoints_.endpoints)
    out.push_back(
        Json{{"name", e.name},
             {"protocol", to_string(e.protocol)},
             {"model", e.model},
             {"capabilities",
              {{"images", e.capabilities.images}, {"streaming", e.capabilities.streaming}}}});
  sink.reply(200, dump(out));
}

void Service::list_packs(ApiSink &sink) {
  Json out = Json::array();
  if (pack_)
    out.push_back(Json{{"name", pack_->manifest.name},
                       {"title", pack_->manifest.title},
                       {"version", pack_->manifest.version},
                       {"content_hash", pack_->content_hash},
                       {"cases", pack_->cases.size()},
                       {"url", "/pack/"}});
  sink.reply(200, dump(out));
}

} // namespace imc::api
