// Batch runs: planning, sharding, resuming and the worker pool (batch_runner.h).
#include "batch_runner.h"

#include "imc/prompts.h"
#include "imc/sha256.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <thread>
#include <tuple>

namespace imc::drivers {

namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

Error input_error(const std::string &what) { return Error{"imc run", "", "", what}; }

bool is_id(const std::string &s) {
  if (s.empty() || !(std::islower(static_cast<unsigned char>(s[0])) ||
                     std::isdigit(static_cast<unsigned char>(s[0]))))
    return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '-';
  });
}

std::string work_key(const std::string &case_id, const std::string &clinician,
                     const std::string &condition) {
  return case_id + '\0' + clinician + '\0' + condition;
}

ChatParameters parameters_of(const Endpoint &endpoint) {
  ChatParameters p;
  p.temperature = endpoint.defaults.temperature;
  p.max_tokens = endpoint.defaults.max_tokens;
  p.stream = endpoint.capabilities.streaming;
  return p;
}

Json endpoint_json(const Endpoint &endpoint) {
  Json j{{"endpoint", endpoint.name},
         {"protocol", to_string(endpoint.protocol)},
         {"model", endpoint.model}};
  Json defaults = Json::object();
  if (endpoint.defaults.temperature)
    defaults["temperature"] = *endpoint.defaults.temperature;
  if (endpoint.defaults.max_tokens)
    defaults["max_tokens"] = *endpoint.defaults.max_tokens;
  if (endpoint.defaults.system_prompt)
    defaults["system_prompt_sha256"] = sha256_hex(*endpoint.defaults.system_prompt);
  j["defaults"] = defaults;
  return j;
}

std::string joined(const Errors &errors) {
  std::string out;
  for (const Error &e : errors)
    out += (out.empty() ? "" : "; ") + e.message();
  return out;
}

// The top-level keys whose values differ, for a message.
std::string differing_keys(const std::string &a, const std::string &b) {
  const Json ja = Json::parse(a, nullptr, false);
  const Json jb = Json::parse(b, nullptr, false);
  if (!ja.is_object() || !jb.is_object())
    return "the whole configuration";
  std::string out;
  auto note = [&](const std::string &key) { out += (out.empty() ? "" : ", ") + key; };
  for (const auto &[key, value] : ja.items())
    if (!jb.contains(key) || jb.at(key) != value)
      note(key);
  for (const auto &[key, value] : jb.items())
    if (!ja.contains(key))
      note(key);
  return out.empty() ? "key order" : out;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Planning

std::string transcript_id_for(const std::string &run_id, const std::string &case_id,
                              const std::string &clinician, const Condition &condition) {
  const std::string key = run_id + '\0' + work_key(case_id, clinician, condition.name());
  return "t-" + sha256_hex(key).substr(0, 24);
}

std::vector<WorkItem> plan_work(const CasePack &pack, const std::vector<std::string> &clinicians,
                                const std::vector<Condition> &conditions,
                                const std::string &run_id) {
  std::vector<WorkItem> items;
  items.reserve(pack.cases.size() * clinicians.size() * conditions.size());
  for (const Case &c : pack.cases)
    for (const std::string &clinician : clinicians)
      for (const Condition &condition : conditions)
        items.push_back(WorkItem{items.size(), c.id, clinician, condition,
                                 transcript_id_for(run_id, c.id, clinician, condition)});
  return items;
}

std::vector<WorkItem> select_shard(const std::vector<WorkItem> &items, store::Shard shard) {
  std::vector<WorkItem> out;
  if (shard.count < 1 || shard.index < 0 || shard.index >= shard.count)
    return out;
  for (const WorkItem &item : items)
    if (item.index % size_t(shard.count) == size_t(shard.index))
      out.push_back(item);
  return out;
}

std::string run_config_json(const BatchSettings &s) {
  Json j;
  j["kind"] = "imc run";
  if (s.pack)
    j["pack"] = {{"name", s.pack->manifest.name},
                 {"version", s.pack->manifest.version},
                 {"hash", s.pack->content_hash}};
  Json clinicians = Json::array();
  for (const std::string &name : s.clinicians)
    if (const Endpoint *e = s.endpoints ? s.endpoints->find(name) : nullptr)
      clinicians.push_back(endpoint_json(*e));
    else
      clinicians.push_back({{"endpoint", name}});
  j["clinicians"] = clinicians;
  if (const Endpoint *e = s.endpoints ? s.endpoints->find(s.patient) : nullptr)
    j["patient"] = endpoint_json(*e);
  else
    j["patient"] = {{"endpoint", s.patient}};
  Json conditions = Json::array();
  for (const Condition &c : s.conditions)
    conditions.push_back(c.name());
  j["conditions"] = conditions;
  j["turns"] = s.max_clinician_turns;
  j["call_timeout_ms"] = s.call_timeout_ms;
  const PromptTemplates &prompts = builtin_prompts();
  j["prompts"] = {{prompts.clinician_system.name, prompts.clinician_system.hash()},
                  {prompts.patient_system.name, prompts.patient_system.hash()}};
  return j.dump();
}

std::string default_run_id(const std::string &config_json) {
  return "run-" + sha256_hex(config_json).substr(0, 12);
}

// ---------------------------------------------------------------------------------------------
// Preparing the store

struct BatchRunner::Prepared {
  std::vector<WorkItem> todo;
  int64_t planned = 0;
  int64_t skipped = 0;
  bool resumed = false;
  int64_t redone = 0;
};

BatchRunner::BatchRunner(BatchSettings settings, transport::HttpTransport &transport,
                         store::Store &store)
    : settings_(std::move(settings)), transport_(transport), store_(store) {
  if (settings_.config_json.empty())
    settings_.config_json = run_config_json(settings_);
  if (settings_.endpoints) {
    paced_endpoints_ = *settings_.endpoints;
    const double keep = 1 - std::clamp(settings_.rate_headroom, 0.0, 0.5);
    for (Endpoint &e : paced_endpoints_.endpoints) {
      e.limits.requests_per_minute *= keep;
      e.limits.tokens_per_minute *= keep;
    }
  }
}

Result<BatchRunner::Prepared> BatchRunner::prepare() {
  const BatchSettings &s = settings_;
  Errors errors;
  if (!is_id(s.run_id))
    errors.push_back(input_error("run id '" + s.run_id +
                                 "' is not an id: lowercase letters, digits and '-', starting "
                                 "with a letter or digit"));
  if (!s.pack || !s.files || !s.endpoints)
    return input_error("internal: a batch needs a pack, its files and an endpoint config");
  if (s.clinicians.empty())
    errors.push_back(input_error("no clinician endpoint given"));
  for (size_t i = 0; i < s.clinicians.size(); ++i) {
    if (!s.endpoints->find(s.clinicians[i]))
      errors.push_back(input_error("no endpoint '" + s.clinicians[i] + "' in the endpoint config"));
    if (std::find(s.clinicians.begin(), s.clinicians.begin() + long(i), s.clinicians[i]) !=
        s.clinicians.begin() + long(i))
      errors.push_back(input_error("clinician '" + s.clinicians[i] + "' is given twice"));
  }
  if (!s.endpoints->find(s.patient))
    errors.push_back(input_error("no endpoint '" + s.patient + "' in the endpoint config"));
  if (s.conditions.empty())
    errors.push_back(input_error("no condition given"));
  for (size_t i = 0; i < s.conditions.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (s.conditions[i] == s.conditions[j])
        errors.push_back(input_error("condition '" + s.conditions[i].name() + "' is given twice"));
  if (s.max_clinician_turns < 1)
    errors.push_back(input_error("the turn limit must be at least 1"));
  if (s.concurrency < 1)
    errors.push_back(input_error("the concurrency must be at least 1"));
  if (s.shard.count < 1 || s.shard.index < 0 || s.shard.index >= s.shard.count)
    errors.push_back(input_error("shard " + std::to_string(s.shard.index) + "/" +
                                 std::to_string(s.shard.count) + ": the index must be in 0.." +
                                 std::to_string(s.shard.count - 1) +
                                 " (shards are numbered from 0)"));
  if (!errors.empty())
    return errors;

  Prepared p;
  const std::vector<WorkItem> mine =
      select_shard(plan_work(*s.pack, s.clinicians, s.conditions, s.run_id), s.shard);
  p.planned = int64_t(mine.size());

  auto runs = store_.list_runs();
  if (!runs)
    return runs.errors();
  const store::RunRecord *existing = nullptr;
  for (const store::RunRecord &run : *runs)
    if (run.id == s.run_id)
      existing = &run;
  std::set<std::string> complete;
  if (existing) {
    if (!s.resume)
      return input_error(store_.path() + " already holds run '" + s.run_id +
                         "': finish it with --resume " + s.run_id +
                         ", or start another with a new --run-id");
    if (existing->shard.count != s.shard.count)
      return input_error("run '" + s.run_id + "' in " + store_.path() + " is split into " +
                         std::to_string(existing->shard.count) + " shard(s), not " +
                         std::to_string(s.shard.count));
    if (existing->config_json != s.config_json)
      return input_error("run '" + s.run_id + "' in " + store_.path() +
                         " was started with other settings (" +
                         differing_keys(existing->config_json, s.config_json) +
                         " differ): resume it with the options it was started with");
    p.resumed = true;
    store::TranscriptFilter filter;
    filter.run_id = s.run_id;
    filter.state = TranscriptState::complete;
    auto done = store_.list_transcripts(filter);
    if (!done)
      return done.errors();
    for (const store::TranscriptSummary &t : *done)
      complete.insert(work_key(t.case_id, t.clinician_endpoint, t.condition));
  }
  for (const WorkItem &item : mine)
    if (complete.count(work_key(item.case_id, item.clinician, item.condition.name())))
      ++p.skipped;
    else
      p.todo.push_back(item);
  if (auto images = check_images(p.todo); !images)
    return images.errors();

  // Only now is the store changed.
  const bool shard_held =
      existing && std::find(existing->shards_held.begin(), existing->shards_held.end(),
                            s.shard.index) != existing->shards_held.end();
  if (!shard_held) {
    store::RunRecord run;
    run.id = s.run_id;
    run.config_json = s.config_json;
    run.shard = s.shard;
    run.progress = {p.planned, 0, 0};
    if (auto created = store_.create_run(run); !created)
      return created.errors();
  }
  if (p.resumed) {
    auto deleted = store_.delete_incomplete(s.run_id);
    if (!deleted)
      return deleted.errors();
    p.redone = *deleted;
  }
  if (auto progress =
          store_.update_run_progress(s.run_id, {p.planned, p.skipped, 0}, s.shard.index);
      !progress)
    return progress.errors();
  return p;
}

// Every image the remaining work shows, read once now: a missing file stops the run before it
// starts rather than failing every conversation of the case.
Status BatchRunner::check_images(const std::vector<WorkItem> &items) {
  Errors errors;
  std::set<std::string> checked;
  for (const WorkItem &item : items) {
    if (!item.condition.image || !checked.insert(item.case_id).second)
      continue;
    for (const CaseImage &image : settings_.pack->find_case(item.case_id)->images)
      if (auto bytes = settings_.files->read(image.file); !bytes)
        errors.insert(errors.end(), bytes.errors().begin(), bytes.errors().end());
  }
  if (errors.empty())
    return ok_status();
  return errors;
}

// A limiter's buckets fill up while nothing is sent; taking what is in the request bucket as the
// first call goes out makes the run's first second no busier than any later one.
void BatchRunner::pace_endpoints() {
  transport::LimiterRegistry &registry =
      settings_.limiters ? *settings_.limiters : transport::LimiterRegistry::process();
  std::set<std::string> names(settings_.clinicians.begin(), settings_.clinicians.end());
  names.insert(settings_.patient);
  for (const std::string &name : names) {
    const Endpoint *endpoint = paced_endpoints_.find(name);
    if (!endpoint || endpoint->limits.requests_per_minute <= 0)
      continue;
    auto limiter = registry.for_endpoint(*endpoint);
    const int most = int(std::ceil(std::max(1.0, endpoint->limits.requests_per_minute / 60))) + 1;
    for (int i = 0; i < most; ++i)
      if (limiter->try_reserve(0, transport::Clock::system().steady_ms()) != 0)
        break;
  }
}

// ---------------------------------------------------------------------------------------------
// Running

Result<BatchSummary>
BatchRunner::run(const std::function<void(const BatchProgress &)> &on_progress) {
  auto prepared = prepare();
  if (!prepared)
    return prepared.errors();
  const Prepared &p = *prepared;
  const BatchSettings &s = settings_;

  // Every worker's connection is opened here, so a store that cannot be opened stops the run
  // before any conversation starts.
  const size_t workers = std::min(size_t(s.concurrency), p.todo.size());
  std::vector<store::Store> connections;
  for (size_t i = 0; i < workers; ++i) {
    auto connection = store_.open_connection();
    if (!connection)
      return connection.errors();
    connections.push_back(std::move(*connection));
  }

  const auto started = Clock::now();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    waiting_.clear();
    for (const WorkItem &item : p.todo)
      waiting_[item.clinician].push_back(item);
    waiting_count_ = int64_t(p.todo.size());
    progress_ = BatchProgress{};
    progress_.planned = p.planned;
    progress_.skipped = p.skipped;
    workers_left_ = int(workers);
  }
  std::vector<std::thread> threads;
  for (store::Store &connection : connections)
    threads.emplace_back([this, &connection] { work(connection); });

  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };
  Errors store_errors;
  auto record_progress = [&](const BatchProgress &now) {
    if (auto ok = store_.update_run_progress(
            s.run_id, {now.planned, now.skipped + now.completed, now.failed}, s.shard.index);
        !ok && store_errors.empty())
      store_errors = ok.errors();
  };
  auto last_record = Clock::now();
  {
    std::unique_lock<std::mutex> lock(mutex_);
    while (workers_left_ > 0) {
      changed_.wait_for(lock, std::chrono::milliseconds(100),
                        [this] { return workers_left_ == 0; });
      BatchProgress now = snapshot();
      now.elapsed_s = elapsed();
      lock.unlock();
      if (on_progress)
        on_progress(now);
      if (Clock::now() - last_record >= std::chrono::seconds(1)) {
        record_progress(now);
        last_record = Clock::now();
      }
      lock.lock();
    }
  }
  for (std::thread &t : threads)
    t.join();

  BatchSummary summary;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    summary.progress = snapshot();
    summary.failures = failures_;
    summary.cancelled = cancelled_;
    summary.storage_failed = storage_failed_;
  }
  summary.progress.elapsed_s = elapsed();
  summary.resumed = p.resumed;
  summary.redone = p.redone;
  std::sort(summary.failures.begin(), summary.failures.end(),
            [](const FailedItem &a, const FailedItem &b) { return a.item.index < b.item.index; });
  if (on_progress)
    on_progress(summary.progress);

  record_progress(summary.progress);
  const auto &done = summary.progress;
  const store::RunStatus status = summary.cancelled      ? store::RunStatus::cancelled
                                  : done.failed > 0      ? store::RunStatus::failed
                                  : done.remaining() > 0 ? store::RunStatus::cancelled
                                                         : store::RunStatus::complete;
  const std::string notes =
      "shard " + std::to_string(s.shard.index) + "/" + std::to_string(s.shard.count) + ": " +
      std::to_string(done.skipped + done.completed) + " of " + std::to_string(done.planned) +
      " complete, " + std::to_string(done.failed) + " failed" +
      (summary.cancelled ? ", interrupted" : "");
  if (auto finished = store_.finish_run(s.run_id, status, notes); !finished && store_errors.empty())
    store_errors = finished.errors();
  if (!store_errors.empty())
    return store_errors;
  return summary;
}

BatchProgress BatchRunner::snapshot() const { return progress_; }

void BatchRunner::cancel() {
  std::lock_guard<std::mutex> lock(mutex_);
  cancelled_ = true;
  for (ConversationDriver *driver : drivers_)
    driver->stop("the run was interrupted");
  changed_.notify_all();
}

// The earliest waiting item (in work order) whose clinician endpoint has a free slot.
bool BatchRunner::take_next(WorkItem &item) {
  std::deque<WorkItem> *best = nullptr;
  for (auto &[clinician, queue] : waiting_) {
    if (queue.empty())
      continue;
    const Endpoint *endpoint = settings_.endpoints->find(clinician);
    const int slots = std::max(1, endpoint ? endpoint->limits.concurrency : 1);
    if (running_per_endpoint_[clinician] < slots &&
        (!best || queue.front().index < best->front().index))
      best = &queue;
  }
  if (!best)
    return false;
  item = std::move(best->front());
  best->pop_front();
  --waiting_count_;
  return true;
}

void BatchRunner::work(store::Store &connection) {
  for (;;) {
    WorkItem item;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      bool found = false;
      while (!cancelled_ && waiting_count_ > 0 && !(found = take_next(item)))
        changed_.wait(lock);
      if (!found) {
        --workers_left_;
        changed_.notify_all();
        return;
      }
      ++running_per_endpoint_[item.clinician];
      ++progress_.running;
    }
    run_item(item, connection);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      --running_per_endpoint_[item.clinician];
      --progress_.running;
      changed_.notify_all();
    }
  }
}

ConversationConfig BatchRunner::conversation_config(const WorkItem &item) const {
  const BatchSettings &s = settings_;
  const Endpoint &clinician = *s.endpoints->find(item.clinician);
  const Endpoint &patient = *s.endpoints->find(s.patient);
  ConversationConfig c;
  c.transcript_id = item.transcript_id;
  c.run_id = s.run_id;
  c.pack_hash = s.pack->content_hash;
  c.patient_case = *s.pack->find_case(item.case_id);
  c.condition = item.condition;
  c.clinician_endpoint = clinician.name;
  c.clinician_model = clinician.model;
  c.clinician_parameters = parameters_of(clinician);
  c.patient_kind = PatientKind::simulated;
  c.simulated_patient = {patient.name, patient.model, parameters_of(patient)};
  c.max_clinician_turns = s.max_clinician_turns;
  c.call_timeout_ms = s.call_timeout_ms;
  return c;
}

void BatchRunner::run_item(const WorkItem &item, store::Store &connection) {
  ImageBytes images;
  if (item.condition.image) {
    std::lock_guard<std::mutex> lock(files_mutex_);
    for (const CaseImage &image : settings_.pack->find_case(item.case_id)->images)
      if (auto bytes = settings_.files->read(image.file))
        images[image.file] = std::move(*bytes);
    // A missing image fails the conversation at Begin, naming the file.
  }
  ConversationDriverOptions options;
  options.store = &connection;
  if (settings_.pace_from_start)
    options.callbacks.on_call = [this](const CallModel &) {
      std::call_once(paced_, [this] { pace_endpoints(); });
    };
  options.callbacks.on_call_end = [this](const transport::WireLog &log) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++progress_.calls;
    if (log.usage) {
      progress_.tokens.input_tokens += log.usage->input_tokens;
      progress_.tokens.output_tokens += log.usage->output_tokens;
    }
  };
  ConversationDriver driver(paced_endpoints_, transport_, conversation_config(item),
                            std::move(images), std::move(options));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    drivers_.insert(&driver);
    if (cancelled_)
      driver.stop("the run was interrupted");
  }
  auto outcome = driver.run();
  std::lock_guard<std::mutex> lock(mutex_);
  drivers_.erase(&driver);
  if (!outcome) {
    ++progress_.failed;
    failures_.push_back({item, "store: " + joined(outcome.errors())});
    storage_failed_ = storage_failed_ || store::is_storage_failure(outcome.errors());
    return;
  }
  const TranscriptStatus &status = outcome->transcript.status;
  if (status.state == TranscriptState::complete) {
    ++progress_.completed;
  } else if (status.state == TranscriptState::failed) {
    ++progress_.failed;
    failures_.push_back({item, status.reason});
  }
  // incomplete: stopped by cancel(); a resume redoes it
}

} // namespace imc::drivers
