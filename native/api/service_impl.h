#pragma once
// Internals of ImcApiService (service.h), shared by its route files: service.cpp (setup,
// routing, health, endpoints, packs), service_read.cpp (store reads and annotations),
// service_streams.cpp (live sessions, jury, chat).
#include "api_errors.h"
#include "service.h"
#include "store_pool.h"
#include "stream_watch.h"

#include "drivers/conversation_driver.h"
#include "transport/secrets.h"

#include "imc/casepack.h"
#include "imc/endpoint_config.h"
#include "imc/jury_config.h"

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imc::api {

using Json = nlohmann::ordered_json;

// One line of JSON; invalid UTF-8 (a model's broken bytes) is replaced, never thrown on.
std::string dump(const Json &j);

struct NamedJury {
  std::string name;
  std::string source; // the file, or "default"
  JuryConfig config;
  std::optional<CalibrationOptions> calibration; // from a jury file
  std::vector<std::string> panel;                // endpoint names, in order
};

class Service final : public ImcApiService {
public:
  Service(ServiceSettings settings, EndpointConfig endpoints, std::optional<CasePack> pack,
          std::unique_ptr<PackFiles> files, std::vector<NamedJury> juries,
          std::unique_ptr<StorePool> store);
  ~Service() override;

  void handle(const ApiRequest &request, ApiSink &sink) override;
  bool share_loops(int fd, const std::function<void(size_t)> &on_ready) override {
    transport_.share_loops(fd, on_ready);
    return true;
  }
  void unshare_loops(int fd) override { transport_.unshare_loops(fd); }
  size_t drain(std::chrono::milliseconds deadline, std::chrono::milliseconds grace) override;
  size_t open_streams() const override { return watch_.active(); }
  std::string describe() const override;

private:
  void route(const ApiRequest &request, ApiSink &sink);

  // service.cpp
  void health(ApiSink &sink);
  void list_endpoints(ApiSink &sink);
  void list_packs(ApiSink &sink);

  // service_read.cpp
  void list_transcripts(const ApiRequest &request, ApiSink &sink);
  void get_transcript(const std::string &id, ApiSink &sink);
  void get_verdicts(const std::string &id, ApiSink &sink);
  void get_annotations(const std::string &id, ApiSink &sink);
  void save_annotation(const std::string &id, const ApiRequest &request, ApiSink &sink);
  void get_wire_logs(const std::string &id, ApiSink &sink);
  void list_runs(ApiSink &sink);
  void get_report(const std::string &run, const ApiRequest &request, ApiSink &sink);

  // service_streams.cpp
  void start_session(const ApiRequest &request, ApiSink &sink);
  void human_turn(const std::string &session, const ApiRequest &request, ApiSink &sink);
  void stop_session(const std::string &session, ApiSink &sink);
  void score(const ApiRequest &request, ApiSink &sink);
  void chat(const ApiRequest &request, ApiSink &sink);

  // Helpers that reply themselves and return nullopt when the call cannot go on.
  std::optional<StorePool::Lease> lease_store(ApiSink &sink);
  std::optional<Json> parse_body(const ApiRequest &request, ApiSink &sink);
  // The case of the pack, or a 404/503 reply.
  const Case *find_case(const std::string &case_id, ApiSink &sink);
  const NamedJury *find_jury(const std::string &name, ApiSink &sink);
  std::optional<StreamWatch::Registration> watch_stream(const ApiSink &sink,
                                                        std::function<void()> cancel);
  Json aggregate_json(const JuryResult &result) const;

  ServiceSettings settings_;
  EndpointConfig endpoints_;
  std::optional<CasePack> pack_;
  std::unique_ptr<PackFiles> files_;
  std::mutex files_mutex_;
  std::vector<NamedJury> juries_; // the first is the default
  std::unique_ptr<StorePool> store_;
  transport::SecretValues secrets_; // values of every key variable the config names
  StreamWatch watch_;
  // After watch_: destroyed first, so calls still on its event loop end (and unregister their
  // streams) while the watch lives.
  transport::HttpTransport transport_;

  // Live sessions by id, for /human and /stop. The driver lives on the stream's thread; it is
  // taken out of the map (under the mutex) before it is destroyed.
  std::mutex sessions_mutex_;
  std::map<std::string, drivers::ConversationDriver *> sessions_;
};

} // namespace imc::api
