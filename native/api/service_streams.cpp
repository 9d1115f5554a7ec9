// ImcApiService: the streams of docs/API.md — live sessions (POST /api/sessions, with /human and
// /stop), jury scoring (POST /api/jury) and single model calls (POST /api/chat). Each runs on the
// calling thread until it ends; the StreamWatch cancels its upstream work when the client goes.
#include "service_impl.h"

#include "chat_body.h"

#include "drivers/jury_driver.h"
#include "store/transcript_text.h"

#include "imc/chat_json.h"
#include "imc/json_text.h"
#include "imc/provider.h"

#include <charconv>
#include <cstdio>
#include <random>

namespace imc::api {

namespace {

std::string random_hex(size_t bytes) {
  static thread_local std::random_device device;
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes; ++i) {
    const unsigned v = device() & 0xff;
    out += kHex[v >> 4];
    out += kHex[v & 15];
  }
  return out;
}

ChatParameters parameters_of(const Endpoint &endpoint) {
  ChatParameters p;
  p.temperature = endpoint.defaults.temperature;
  p.max_tokens = endpoint.defaults.max_tokens;
  p.stream = endpoint.capabilities.streaming;
  return p;
}

// Rejects keys a body may not have; replies 400 and returns false.
bool only_keys(const Json &body, std::initializer_list<const char *> allowed, ApiSink &sink,
               const std::string &hint) {
  for (auto it = body.begin(); it != body.end(); ++it) {
    bool known = false;
    for (const char *a : allowed)
      known = known || it.key() == a;
    if (!known) {
      reply_error(sink, bad_request("/" + it.key() + ": not a field of this request", hint));
      return false;
    }
  }
  return true;
}

// A string field: nullopt (with a 400 reply) when required and missing, or not a string.
std::optional<std::string> string_field(const Json &body, const char *key, bool required,
                                        ApiSink &sink, const std::string &hint) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) {
    if (required) {
      reply_error(sink, bad_request(std::string("/") + key + ": required", hint));
      return std::nullopt;
    }
    return std::string();
  }
  if (!it->is_string()) {
    reply_error(sink, bad_request(std::string("/") + key + ": a string, not " + it->dump(), hint));
    return std::nullopt;
  }
  return it->get<std::string>();
}

const char *shutdown_message = "the server is shutting down";

void append_integer(std::string &out, int64_t value) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

// Sends a stream's events. Once the client has gone (an event could not be sent) it sends
// nothing more and runs the stop action once.
class EventSender {
public:
  explicit EventSender(ApiSink &sink) : sink_(sink) {}
  void on_gone(std::function<void()> stop) { stop_ = std::move(stop); }
  void operator()(const char *name, const Json &data) {
    if (!gone_)
      (*this)(name, dump(data));
  }
  // An event whose JSON is already text: straight to the sink, nothing copied.
  void operator()(const char *name, const std::string &json) {
    if (!gone_)
      sent(sink_.event(name, json));
  }
  // Several events in one write.
  void all(ApiEventList list) {
    if (!gone_)
      sent(sink_.events(list));
  }
  bool gone() const { return gone_; }
  bool started() const { return started_; }

private:
  // After a write: `ok` false means the client has gone.
  void sent(bool ok) {
    started_ = true;
    if (!ok) {
      gone_ = true;
      if (stop_)
        stop_();
    }
  }

  ApiSink &sink_;
  std::function<void()> stop_;
  bool gone_ = false;
  bool started_ = false;
};

} // namespace

// --- Live sessions ------------------------------------------------------------------------------

void Service::start_session(const ApiRequest &request, ApiSink &sink) {
  const std::string hint =
      "Send {\"case_id\", \"condition\": \"full|no-image|no-ehr|no-image-no-ehr\", \"clinician\": "
      "\"ENDPOINT\", \"patient\": {\"kind\": \"simulated\", \"endpoint\": \"ENDPOINT\"} or "
      "{\"kind\": \"human\", \"name\": \"...\"}, \"max_turns\": N} (docs/API.md).";
  auto body = parse_body(request, sink);
  if (!body ||
      !only_keys(*body, {"case_id", "condition", "clinician", "patient", "max_turns", "opening"},
                 sink, hint))
    return;
  auto case_id = string_field(*body, "case_id", true, sink, hint);
  auto condition_name =
      case_id ? string_field(*body, "condition", false, sink, hint) : std::nullopt;
  auto clinician =
      condition_name ? string_field(*body, "clinician", true, sink, hint) : std::nullopt;
  if (!clinician)
    return;
  const auto condition = Condition::from_name(condition_name->empty() ? "full" : *condition_name);
  if (!condition)
    return reply_error(sink, bad_request("/condition: '" + *condition_name +
                                             "' is not full, no-image, no-ehr or no-image-no-ehr",
                                         hint));
  if (auto refused = refuse_unknown_endpoint(endpoints_, *clinician, "/clinician"))
    return reply_error(sink, *refused);
  const Json patient = body->value("patient", Json());
  if (!patient.is_object())
    return reply_error(sink, bad_request("/patient: an object is required", hint));
  const std::string kind = patient.value("kind", std::string());
  int max_turns = 6;
  if (auto it = body->find("max_turns"); it != body->end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 ||
        it->get<int64_t>() > settings_.max_session_turns)
      return reply_error(sink, bad_request("/max_turns: 1.." +
                                               std::to_string(settings_.max_session_turns) +
                                               ", not " + it->dump(),
                                           hint));
    max_turns = it->get<int>();
  }
  const Case *patient_case = find_case(*case_id, sink);
  if (!patient_case)
    return;

  ConversationConfig c;
  c.transcript_id = "live-" + random_hex(10);
  c.pack_hash = pack_->content_hash;
  c.patient_case = *patient_case;
  c.condition = *condition;
  const Endpoint &doctor = *endpoints_.find(*clinician);
  c.clinician_endpoint = doctor.name;
  c.clinician_model = doctor.model;
  c.clinician_parameters = parameters_of(doctor);
  c.max_clinician_turns = max_turns;
  if (kind == "simulated") {
    if (!patient.contains("endpoint") || !patient["endpoint"].is_string())
      return reply_error(sink,
                         bad_request("/patient/endpoint: required for a simulated patient", hint));
    const std::string name = patient["endpoint"].get<std::string>();
    if (auto refused = refuse_unknown_endpoint(endpoints_, name, "/patient/endpoint"))
      return reply_error(sink, *refused);
    const Endpoint &e = *endpoints_.find(name);
    c.patient_kind = PatientKind::simulated;
    c.simulated_patient = {e.name, e.model, parameters_of(e)};
  } else if (kind == "human") {
    c.patient_kind = PatientKind::human;
    if (patient.contains("name") && patient["name"].is_string())
      c.human_name = patient["name"].get<std::string>().substr(0, 200);
    const std::string opening = body->value("opening", std::string("persona"));
    if (opening != "persona" && opening != "human")
      return reply_error(sink, bad_request("/opening: persona or human", hint));
    c.opening = opening == "human" ? Opening::human : Opening::persona;
  } else {
    return reply_error(sink, bad_request("/patient/kind: simulated or human", hint));
  }
  if (auto valid = validate_conversation_config(c); !valid)
    return reply_error(sink, bad_request(format_errors(valid.errors()), hint));

  ImageBytes images;
  if (c.condition.image) {
    std::lock_guard<std::mutex> lock(files_mutex_);
    for (const CaseImage &image : patient_case->images) {
      auto bytes = files_->read(image.file);
      if (!bytes)
        return reply_error(sink, unavailable("the case's image " + image.file +
                                                 " is not in the pack on this server",
                                             "Fetch the demo images (scripts/setup demo), or "
                                             "choose the no-image condition."));
      images[image.file] = std::move(*bytes);
    }
  }
  auto db = lease_store(sink);
  if (!db)
    return;

  const std::string session_id = "s-" + random_hex(16);
  std::string failing_endpoint = c.clinician_endpoint;
  drivers::ConversationDriverOptions options;
  options.store = db->get();
  EventSender send(sink);
  options.callbacks.on_call = [&](const CallModel &call) { failing_endpoint = call.endpoint; };
  options.callbacks.on_delta = [&](const std::string &, Role role, const std::string &text) {
    send("delta", Json{{"role", to_string(role)}, {"text", text}});
  };
  options.callbacks.on_turn = [&](const Turn &turn) {
    Json t = Json::parse(store::turn_text(turn), nullptr, false);
    send("turn", Json{{"turn", t}});
  };
  options.callbacks.on_await_human = [&](const AwaitHuman &await) {
    send("await_human", Json{{"prompt", await.prompt}, {"suggestion", await.suggestion}});
  };
  drivers::ConversationDriver driver(endpoints_, transport_, c, std::move(images),
                                     std::move(options));
  send.on_gone([&driver] { driver.stop("the browser closed the stream"); });
  auto registration =
      watch_stream(sink, [&driver] { driver.stop("the browser closed the stream"); });
  if (!registration)
    return reply_error(sink, unavailable(shutdown_message, "Start the session again later."));
  {
    std::lock_guard<std::mutex> lock(sessions_mutex_);
    sessions_[session_id] = &driver;
  }
  send("session", Json{{"session_id", session_id}, {"transcript_id", c.transcript_id}});
  auto outcome = driver.run();
  {
    std::lock_guard<std::mutex> lock(sessions_mutex_);
    sessions_.erase(session_id);
  }
  const auto why = registration->why_cancelled();
  if (settings_.log_calls)
    std::fprintf(stderr, "imc serve: session %s (%s, %s) ended: %s\n", session_id.c_str(),
                 c.transcript_id.c_str(), c.patient_case.id.c_str(),
                 !outcome ? "store failure" : to_string(outcome->transcript.status.state));
  if (send.gone() || why == StreamWatch::Why::client_gone)
    return;
  if (!outcome) {
    sink.event("error", error_json(unavailable("the store failed during the session: " +
                                                   format_errors(outcome.errors()),
                                               "The transcript is kept as incomplete; check the "
                                               "disk and start the session again.")));
    return;
  }
  const TranscriptStatus &status = outcome->transcript.status;
  if (why == StreamWatch::Why::shutdown) {
    ApiFailure f = unavailable(std::string(shutdown_message) + "; the transcript " +
                                   c.transcript_id + " is stored as incomplete",
                               "Start the session again when the server is back.");
    sink.event("error", error_json(f));
    return;
  }
  if (status.state == TranscriptState::failed) {
    StreamError e;
    e.kind = parse_error_kind(kind_of_reason(status.reason)).value_or(ErrorKind::server);
    e.message = status.reason;
    ApiFailure f = upstream_failure(e, failing_endpoint);
    Json error = Json::parse(error_json(f));
    error["error"]["transcript_id"] = c.transcript_id;
    sink.event("error", dump(error));
    return;
  }
  sink.event("finished",
             dump(Json{{"status", {{"state", to_string(status.state)}, {"reason", status.reason}}},
                       {"transcript_id", c.transcript_id}}));
}

void Service::human_turn(const std::string &session, const ApiRequest &request, ApiSink &sink) {
  const std::string hint = "Send {\"text\": \"what the patient says\", \"end\": false}.";
  auto body = parse_body(request, sink);
  if (!body || !only_keys(*body, {"text", "end", "images"}, sink, hint))
    return;
  auto text = string_field(*body, "text", false, sink, hint);
  if (!text)
    return;
  const Json end = body->value("end", Json(false));
  if (!end.is_boolean())
    return reply_error(sink, bad_request("/end: true or false", hint));
  if (text->size() > 20000)
    return reply_error(sink, bad_request("/text: at most 20,000 characters", hint));
  if (text->find_first_not_of(" \t\r\n") == std::string::npos && !end.get<bool>())
    return reply_error(sink, bad_request("/text: the message is empty", hint));
  if (auto it = body->find("images"); it != body->end() && !it->is_null()) {
    // Checked like any request's images, then refused: the conversation engine takes text
    // turns from a person (the case's own images are what the clinician sees).
    ChatRequest carrier;
    Json turn{{"role", "user"}, {"content", *it}};
    auto parsed = parse_chat_request(dump(Json{{"turns", Json::array({turn})}}), "/images");
    if (!parsed)
      return reply_error(sink, bad_request("/images: " + format_errors(parsed.errors()),
                                           "Each image is {\"mime_type\", \"source_name\", "
                                           "\"data\": base64}."));
    carrier = std::move(*parsed);
    if (auto refused = check_images(carrier, settings_.images))
      return reply_error(sink, *refused);
    if (!it->empty()) {
      ApiFailure f = bad_request("images from a human patient are not supported by this server",
                                 "Describe what you see in words; the case's own images are "
                                 "shown to the clinician under the full condition.");
      f.kind = "unsupported";
      return reply_error(sink, f);
    }
  }
  std::lock_guard<std::mutex> lock(sessions_mutex_);
  auto found = sessions_.find(session);
  if (found == sessions_.end())
    return reply_error(sink, not_found("no live session '" + session + "'",
                                       "The session has ended; start a new one."));
  if (!found->second->submit_human_turn(*text, end.get<bool>())) {
    ApiFailure f = bad_request("the session is not waiting for the patient",
                               "Wait for the await_human event, then send the message.");
    f.status = 409;
    return reply_error(sink, f);
  }
  sink.reply(200, dump(Json{{"ok", true}}));
}

void Service::stop_session(const std::string &session, ApiSink &sink) {
  std::lock_guard<std::mutex> lock(sessions_mutex_);
  auto found = sessions_.find(session);
  if (found == sessions_.end())
    return reply_error(
        sink, not_found("no live session '" + session + "'", "The session has already ended."));
  found->second->stop("stopped by the user");
  sink.reply(200, dump(Json{{"ok", true}}));
}

// --- Jury ----------------------------------------------------------------------------------------

void Service::score(const ApiRequest &request, ApiSink &sink) {
  const std::string hint = "Send {\"transcript_id\": \"...\", \"jury\": \"NAME\"} (jury optional).";
  auto body = parse_body(request, sink);
  if (!body || !only_keys(*body, {"transcript_id", "jury"}, sink, hint))
    return;
  auto transcript_id = string_field(*body, "transcript_id", true, sink, hint);
  auto jury_name = transcript_id ? string_field(*body, "jury", false, sink, hint) : std::nullopt;
  if (!jury_name)
    return;
  const NamedJury *jury = find_jury(*jury_name, sink);
  if (!jury)
    return;
  auto db = lease_store(sink);
  if (!db)
    return;
  auto transcript = (*db)->get_transcript(*transcript_id);
  if (!transcript) {
    if (store::is_storage_failure(transcript.errors()))
      return reply_error(
          sink,
          unavailable("the store failed: " + format_errors(transcript.errors()), "Try again."));
    return reply_error(sink, not_found("no transcript '" + *transcript_id + "'",
                                       "GET /api/transcripts lists the stored transcripts."));
  }
  const Case *patient_case = find_case(transcript->case_id, sink);
  if (!patient_case)
    return;

  EventSender send(sink);
  drivers::JuryDriverOptions options;
  options.store = db->get();
  options.callbacks.on_verdict = [&](const JurorVerdict &v, size_t done, size_t expected) {
    Json verdict = Json::parse(serialize_verdict(v, false), nullptr, false);
    send("verdict", Json{{"verdict", verdict}});
    send("progress", Json{{"done", done}, {"total", expected}});
  };
  const size_t expected = jury->config.panel.size() * kDimensions.size();
  drivers::JuryDriver driver(endpoints_, transport_, jury->config, *transcript, *patient_case,
                             std::move(options));
  send.on_gone([&driver] { driver.stop("the browser closed the stream"); });
  auto registration =
      watch_stream(sink, [&driver] { driver.stop("the browser closed the stream"); });
  if (!registration)
    return reply_error(sink, unavailable(shutdown_message, "Score the transcript again later."));
  send("progress", Json{{"done", 0}, {"total", expected}, {"jury", jury->name}});
  auto outcome = driver.run();
  const auto why = registration->why_cancelled();
  if (send.gone() || why == StreamWatch::Why::client_gone)
    return;
  if (why == StreamWatch::Why::shutdown)
    return (void)sink.event(
        "error", error_json(unavailable(std::string(shutdown_message) + "; no verdict was stored",
                                        "Score the transcript again later.")));
  if (!outcome)
    return (void)sink.event(
        "error", error_json(unavailable("the store failed: " + format_errors(outcome.errors()),
                                        "No verdict was stored; try again.")));
  if (!outcome->complete || !outcome->stored) {
    ApiFailure f;
    f.status = 500;
    f.kind = kind_of_reason(outcome->reason);
    if (f.kind == "server" && outcome->reason.rfind("config", 0) == 0)
      f.kind = "config";
    f.message = "the jury could not score transcript " + *transcript_id + ": " + outcome->reason;
    f.hint = "No verdict was stored. Check that the transcript has a clinician turn and that the "
             "jury's endpoints work (imc endpoints check).";
    return (void)sink.event("error", error_json(f));
  }
  sink.event("finished", dump(Json{{"aggregate", aggregate_json(outcome->result)},
                                   {"jury", jury->name},
                                   {"verdicts", outcome->verdicts.size()}}));
}

// --- One model call -----------------------------------------------------------------------------

void Service::chat(const ApiRequest &request, ApiSink &sink) {
  static const std::string hint = "Send {\"endpoint\": \"NAME\", \"request\": ChatRequest} "
                                  "(docs/FORMATS.md, \"Chat request\").";
  std::string name;
  ChatRequest chat_request;
  if (auto plain = read_plain_chat_body(request.body)) {
    // The plain form, read in one pass (chat_body.h); it names no network location.
    name = std::move(plain->endpoint);
    chat_request = std::move(plain->request);
    if (auto refused = refuse_unknown_endpoint(endpoints_, name, "/endpoint"))
      return reply_error(sink, *refused);
  } else {
    // Any other body: read the general way, which says what is wrong with it.
    auto body = parse_body(request, sink);
    if (!body || !only_keys(*body, {"endpoint", "request"}, sink, hint))
      return;
    auto endpoint_name = string_field(*body, "endpoint", true, sink, hint);
    if (!endpoint_name)
      return;
    name = std::move(*endpoint_name);
    if (auto refused = refuse_unknown_endpoint(endpoints_, name, "/endpoint"))
      return reply_error(sink, *refused);
    auto it = body->find("request");
    if (it == body->end() || !it->is_object())
      return reply_error(sink, bad_request("/request: a chat request object is required", hint));
    auto parsed = parse_chat_request_value(*it, "/request");
    if (!parsed)
      return reply_error(sink, bad_request(format_errors(parsed.errors()), hint));
    chat_request = std::move(*parsed);
  }
  const Endpoint &endpoint = *endpoints_.find(name);
  if (auto refused = check_images(chat_request, settings_.images))
    return reply_error(sink, *refused);
  if (auto fitted = fit_request_images(chat_request, endpoint.protocol); !fitted) {
    ApiFailure f = bad_request(format_errors(fitted.errors()), "Send a smaller JPEG or PNG image.");
    f.kind = "unsupported";
    return reply_error(sink, f);
  }
  chat_request.parameters.stream = endpoint.capabilities.streaming;

  // The call's stream: one model call relayed as SSE events. It lives as long as the call;
  // members are destroyed in reverse, the sink last.
  struct ChatStream {
    std::shared_ptr<ApiSink> owned; // a detached sink (nullptr: `sink` is the handler's)
    ApiSink *sink = nullptr;
    transport::CancelToken token;
    std::optional<StreamWatch::Registration> registration;
    std::optional<Usage> usage;
    std::optional<EventSender> send;
    std::string endpoint, client; // (here: the callbacks hold nothing else)
    bool log_calls = false;
  };
  // The deltas of one read of the upstream's response, written at the read's end in one go
  // (CallOptions::on_read_end): a read that brought several chunks (under a burst, the loop reads
  // a stream's middle late, stream_engine.h) costs one send to the browser, not one per chunk.
  // One batch per thread (the loop's), for the stream whose read it is: the event JSON is written
  // into kept strings, so a delta costs no allocation once they have grown. A read's events and
  // its end come together on one thread; were another stream's to come between, the batch goes
  // out first.
  struct Batch {
    ChatStream *owner = nullptr;
    std::vector<ApiEvent> events; // the first `size` are the batch; the rest kept for reuse
    size_t size = 0;
    std::string &next(const char *name) {
      if (size == events.size())
        events.emplace_back();
      ApiEvent &e = events[size++];
      e.name.assign(name);
      return e.json;
    }
    void flush() {
      if (owner && size > 0)
        owner->send->all({events.data(), size});
      owner = nullptr;
      size = 0;
    }
    void take(ChatStream *stream) {
      if (owner != stream)
        flush();
      owner = stream;
    }
    void flush_for(const ChatStream *stream) {
      if (owner == stream)
        flush();
    }
  };
  static thread_local Batch batch;
  auto stream = std::make_shared<ChatStream>();
  stream->endpoint = endpoint.name;
  stream->client = request.client;
  stream->log_calls = settings_.log_calls;
  // Detached, the call runs on the transport's event loop and this thread goes back to serving
  // connections; else (a sink that cannot detach) it runs here.
  stream->owned = sink.detach();
  stream->sink = stream->owned ? stream->owned.get() : &sink;
  auto registration = watch_stream(*stream->sink, [token = stream->token] { token.cancel(); });
  if (!registration)
    return reply_error(*stream->sink, unavailable(shutdown_message, "Try again later."));
  stream->registration.emplace(std::move(*registration));
  stream->send.emplace(*stream->sink);
  stream->send->on_gone([token = stream->token] { token.cancel(); });
  transport::CallOptions options(stream->token);
  options.wire_log_bodies = false; // only its status and latency are logged
  // The upstream took the request and no event came with its head: the reply's head goes out
  // now, as a reverse proxy passes the upstream's head on; a later failure is an `error` event.
  // These two hold a plain pointer, which std::function keeps without an allocation (a
  // shared_ptr is not trivially copyable: it would take one each). The stream outlives them:
  // `done` below owns it, and is called (then destroyed) only once the call no longer calls them.
  options.on_response_start = [s = stream.get()] {
    if (!s->send->started())
      s->send->all({});
  };
  options.on_event = [s = stream.get()](const ChatEvent &event) {
    ChatStream &c = *s;
    EventSender &send = *c.send;
    if (const auto *delta = std::get_if<TextDelta>(&event)) {
      // Every chunk of every relayed stream comes here: held until the read's end.
      if (send.gone())
        return;
      batch.take(s);
      std::string &json = batch.next("delta");
      json.assign("{\"text\":");
      append_json_string(json, delta->text);
      json += '}';
    } else if (const auto *u = std::get_if<Usage>(&event)) {
      c.usage = *u;
    } else if (const auto *finish = std::get_if<Finish>(&event)) {
      // The stream's last events go out in one write with the deltas of its last read.
      batch.take(s);
      if (c.usage) {
        std::string &json = batch.next("usage");
        json.assign("{\"input_tokens\":");
        append_integer(json, c.usage->input_tokens);
        json += ",\"output_tokens\":";
        append_integer(json, c.usage->output_tokens);
        json += '}';
      }
      std::string &json = batch.next("finished");
      json.assign("{\"finish_reason\":");
      append_json_string(json, to_string(finish->reason));
      json += ",\"raw\":";
      append_json_string(json, finish->raw);
      json += '}';
      batch.flush();
    } else if (const auto *error = std::get_if<StreamError>(&event)) {
      batch.flush_for(s); // the text before the error goes first
      if (send.gone())
        return;
      ApiFailure f = c.registration->why_cancelled() == StreamWatch::Why::shutdown
                         ? unavailable(shutdown_message, "Send the request again later.")
                         : upstream_failure(*error, c.endpoint);
      if (!send.started())
        reply_error(*c.sink, f); // nothing streamed yet: a plain error reply with its status
      else
        send("error", Json::parse(error_json(f)));
    }
  };
  options.on_read_end = [s = stream.get()] { batch.flush_for(s); };
  // Once the call is over: the log line, and (the last owner letting go) the stream's end.
  auto done = [stream](const transport::CallResult &result) {
    batch.flush_for(stream.get()); // (a read's end always came first; this only makes sure)
    if (stream->log_calls)
      std::fprintf(stderr, "imc serve: chat %s %s: %s, %lld ms%s\n", stream->client.c_str(),
                   stream->endpoint.c_str(),
                   result.wire_log.status.c_str(),
                   static_cast<long long>(result.wire_log.latency_ms),
                   stream->send->gone() ||
                           stream->registration->why_cancelled() == StreamWatch::Why::client_gone
                       ? " (client gone)"
                       : "");
  };
  if (stream->owned)
    transport_.chat_async(endpoint, chat_request, std::move(options), std::move(done));
  else
    done(transport_.chat(endpoint, chat_request, options));
}

} // namespace imc::api
