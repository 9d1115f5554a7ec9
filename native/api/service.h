#pragma once
// ImcApiService: every route of docs/API.md over one store, one endpoint config, one case pack
// and the jury configs. `imc serve` adapts it to HTTP (native/api/http/), imc-studio calls it
// in-process (NativePlatform::api_call, one thread per call).
//
//   ServiceSettings settings;
//   settings.store_path = "build/demo-store.db";
//   settings.endpoints_path = "assets/endpoints/llama-server.json";
//   settings.pack_dir = "assets/demo";
//   auto service = make_api_service(settings);  // Result<std::unique_ptr<ImcApiService>>
//   (*service)->handle(request, sink);          // from any number of threads at once
//
// Promises:
// - Keys stay here: replies and events carry endpoint names and capabilities, never base URLs,
//   auth settings or variable names, and every reply and event is scrubbed of the values of the
//   key variables the endpoint config names (the transport scrubs its own messages too).
// - Not an open relay: a body naming a URL, host, port or base URL of its own is refused (403
//   forbidden), as is an endpoint name that is not in the config.
// - Streams (sessions, jury, chat) end with `finished` or `error`; a client that goes away
//   (ApiSink::cancelled) has its upstream work cancelled within ~50 ms, and a live session it
//   leaves is stored as incomplete.
// - handle() never throws; every failure is an error reply or event with a hint.
//
// The default jury: the first --jury file given, else a panel (per_dimension, newest rubrics) of
// the endpoints listed in ServiceSettings::default_jurors, else of every configured endpoint.
#include "api_service.h"
#include "request_guard.h"

#include "transport/http_transport.h"

#include "imc/result.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace imc::api {

struct ServiceSettings {
  std::string store_path;                  // required: the SQLite store (created if missing)
  std::string endpoints_path;              // "" = no endpoints: reading routes only
  std::string pack_dir;                    // the case pack (sessions, jury, strata); "" = none
  std::vector<std::string> jury_paths;     // jury config files (docs/FORMATS.md "Jury config")
  std::vector<std::string> default_jurors; // the default jury's endpoints when no jury file
  ImagePolicy images;                      // images a request may carry
  int max_session_turns = 20;              // the highest max_turns a live session may ask
  bool log_calls = true;                   // one stderr line per live session and chat call
  transport::TransportOptions transport;   // env lookup, limiters (tests)
};

class ImcApiService : public ApiService {
public:
  ~ImcApiService() override = default;
  void handle(const ApiRequest &request, ApiSink &sink) override = 0;

  // Graceful shutdown: from now on new streams are refused (503 unavailable); waits up to
  // `deadline` for the open ones to finish, then cancels the rest (each ends with an `error`
  // event saying the server is shutting down) and waits up to `grace` for them to end.
  // Returns the number of streams still open after that (0 normally).
  virtual size_t drain(std::chrono::milliseconds deadline,
                       std::chrono::milliseconds grace = std::chrono::milliseconds(3000)) = 0;
  virtual size_t open_streams() const = 0;

  // What the service was started with, for the startup banner: endpoint names, jury names,
  // pack name and case count. Never a URL or key.
  virtual std::string describe() const = 0;
};

// Loads the endpoint config, the pack, the jury configs and opens the store. Errors name the
// file and what is wrong with it (formats' own messages), and an unknown juror endpoint.
Result<std::unique_ptr<ImcApiService>> make_api_service(const ServiceSettings &settings);

} // namespace imc::api
