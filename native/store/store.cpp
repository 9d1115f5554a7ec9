// Store: opening, connections, counts and runs.
#include "store/store.h"

#include "store/schema.h"
#include "store/store_internal.h"

#include <sqlite3.h>

#include <array>
#include <filesystem>

namespace imc::store {

using internal::guarded;
using internal::input_error;
using internal::single_quoted;

namespace {

constexpr std::array<std::pair<RunStatus, const char *>, 5> kRunStatusNames{{
    {RunStatus::queued, "queued"},
    {RunStatus::running, "running"},
    {RunStatus::complete, "complete"},
    {RunStatus::failed, "failed"},
    {RunStatus::cancelled, "cancelled"},
}};

// The store's file as the user named it, and what SQLite said, for an open that failed.
Error open_error(const std::string &path, const SqliteFailure &failure) {
  const int primary = failure.code() & 0xff;
  if (primary == SQLITE_NOTADB)
    return Error{path, "", "an IMC store (a SQLite database)", "a file that is not a database"};
  if (primary == SQLITE_CANTOPEN)
    return Error{path, "", "", std::string("cannot open: ") + failure.what()};
  return internal::storage_error(path, failure, "opening the store");
}

RunRecord read_run(const Statement &s) {
  RunRecord run;
  run.id = s.string(0);
  run.created_at = s.string(1);
  run.updated_at = s.string(2);
  run.config_json = s.string(3);
  run.status = parse_run_status(s.text(4)).value_or(RunStatus::failed);
  run.shard.count = s.integer(5);
  run.notes = s.string(6);
  run.progress = {s.int64(7), s.int64(8), s.int64(9)};
  // group_concat of the held shard indices, in order.
  const std::string_view held = s.text(10);
  for (size_t begin = 0; begin < held.size();) {
    size_t end = held.find(',', begin);
    if (end == std::string_view::npos)
      end = held.size();
    run.shards_held.push_back(std::stoi(std::string(held.substr(begin, end - begin))));
    begin = end + 1;
  }
  run.shard.index = run.shards_held.empty() ? 0 : run.shards_held.front();
  return run;
}

constexpr const char *kRunSelect =
    "SELECT r.id, r.created_at, r.updated_at, r.config_json, r.status, r.shard_count, r.notes,"
    " coalesce(sum(s.planned), 0), coalesce(sum(s.completed), 0), coalesce(sum(s.failed), 0),"
    " coalesce((SELECT group_concat(shard_index, ',') FROM"
    "   (SELECT shard_index FROM run_shards WHERE run_id = r.id ORDER BY shard_index)), '')"
    " FROM runs r LEFT JOIN run_shards s ON s.run_id = r.id";

Error no_run(Connection &db, const std::string &path, const std::string &run_id) {
  return input_error(path, "no run " + single_quoted(run_id) +
                               "; runs: " + internal::list_for_message(internal::run_ids(db)));
}

bool run_exists(Connection &db, const std::string &run_id) {
  return db.prepare("SELECT 1 FROM runs WHERE id = ?1").bind(1, run_id).step();
}

bool is_json(Connection &db, const std::string &text) {
  Statement s = db.prepare("SELECT json_valid(?1)");
  s.bind(1, text).step();
  return s.int64(0) == 1;
}

} // namespace

const char *to_string(RunStatus status) {
  for (const auto &[value, name] : kRunStatusNames)
    if (value == status)
      return name;
  return "";
}

std::optional<RunStatus> parse_run_status(std::string_view text) {
  for (const auto &[value, name] : kRunStatusNames)
    if (text == name)
      return value;
  return std::nullopt;
}

bool is_storage_failure(const Errors &errors) {
  for (const Error &e : errors)
    if (e.pointer == kStorageFailure)
      return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Opening

Store::Store(std::string path, OpenOptions options, std::unique_ptr<Connection> connection)
    : path_(std::move(path)), options_(options), db_(std::move(connection)) {}
Store::Store(Store &&) noexcept = default;
Store &Store::operator=(Store &&) noexcept = default;
Store::~Store() = default;

Result<Store> Store::open(const std::string &path, const OpenOptions &options) {
  std::error_code ec;
  if (!options.create_if_missing && !std::filesystem::exists(path, ec))
    return input_error(path, "no such file");
  if (std::filesystem::is_directory(path, ec))
    return Error{path, "", "a store file", "a directory"};
  try {
    auto db = std::make_unique<Connection>(
        path, ConnectionOptions{options.create_if_missing, options.busy_timeout_ms});
    // Look before changing anything: another program's database is refused untouched.
    if (auto ok = check_schema_state(read_schema_state(*db), path); !ok)
      return ok.errors();
    {
      Statement mode = db->prepare("PRAGMA journal_mode = WAL");
      if (!mode.step() || mode.text(0) != "wal")
        return Error{path, "", "a file system where SQLite can use WAL mode",
                     "journal mode " + single_quoted(mode.text(0))};
    }
    db->exec("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
    auto version = migrate_store(*db, latest_schema_version());
    if (!version)
      return version.errors();
    return Store(path, options, std::move(db));
  } catch (const SqliteFailure &failure) {
    return open_error(path, failure);
  }
}

Result<Store> Store::open_connection() const {
  OpenOptions options = options_;
  options.create_if_missing = false;
  return open(path_, options);
}

Result<StoreCounts> Store::counts() {
  return guarded(path_, "counting", [&]() -> Result<StoreCounts> {
    Transaction read(*db_, Transaction::Mode::deferred); // one snapshot for every count
    auto count = [&](const char *sql) {
      Statement s = db_->prepare(sql);
      return s.step() ? s.int64(0) : int64_t(0);
    };
    StoreCounts c;
    c.schema_version = int(count("PRAGMA user_version"));
    c.runs = count("SELECT count(*) FROM runs");
    c.transcripts_complete = count("SELECT count(*) FROM transcripts WHERE state = 'complete'");
    c.transcripts_incomplete = count("SELECT count(*) FROM transcripts WHERE state = 'incomplete'");
    c.transcripts_failed = count("SELECT count(*) FROM transcripts WHERE state = 'failed'");
    c.turns = count("SELECT count(*) FROM turns");
    c.verdicts = count("SELECT count(*) FROM verdicts");
    c.annotations = count("SELECT count(*) FROM annotations");
    c.wire_logs = count("SELECT count(*) FROM wire_logs");
    c.events = count("SELECT count(*) FROM event_log");
    read.commit();
    return c;
  });
}

// ---------------------------------------------------------------------------------------------
// Runs

Status Store::create_run(const RunRecord &run) {
  return guarded(path_, "creating run " + single_quoted(run.id), [&]() -> Status {
    if (run.id.empty())
      return input_error(path_, "a run needs an id");
    if (run.shard.count < 1 || run.shard.index < 0 || run.shard.index >= run.shard.count)
      return input_error(path_, "run " + single_quoted(run.id) + ": shard " +
                                    std::to_string(run.shard.index) + "/" +
                                    std::to_string(run.shard.count) + " is not one of 0/N..N-1/N");
    Transaction tx(*db_);
    if (!is_json(*db_, run.config_json))
      return input_error(path_, "run " + single_quoted(run.id) + ": config_json is not JSON");
    Statement existing = db_->prepare("SELECT config_json, shard_count FROM runs WHERE id = ?1");
    existing.bind(1, run.id);
    if (existing.step()) {
      if (existing.text(0) != run.config_json || existing.integer(1) != run.shard.count)
        return input_error(path_, "run " + single_quoted(run.id) +
                                      " already exists with another config or shard count");
      if (db_->prepare("SELECT 1 FROM run_shards WHERE run_id = ?1 AND shard_index = ?2")
              .bind(1, run.id)
              .bind(2, run.shard.index)
              .step())
        return input_error(path_, "run " + single_quoted(run.id) + " shard " +
                                      std::to_string(run.shard.index) + "/" +
                                      std::to_string(run.shard.count) + " already exists");
    } else {
      Statement insert = db_->prepare(
          "INSERT INTO runs (id, created_at, updated_at, config_json, status, shard_count, notes)"
          " VALUES (?1, coalesce(nullif(?2, ''), " IMC_STORE_NOW "), " IMC_STORE_NOW
          ", ?3, ?4, ?5, ?6)");
      insert.bind(1, run.id)
          .bind(2, run.created_at)
          .bind(3, run.config_json)
          .bind(4, to_string(run.status))
          .bind(5, run.shard.count)
          .bind(6, run.notes)
          .run();
    }
    db_->prepare("INSERT INTO run_shards (run_id, shard_index, planned, completed, failed,"
                 " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, " IMC_STORE_NOW ")")
        .bind(1, run.id)
        .bind(2, run.shard.index)
        .bind(3, run.progress.planned)
        .bind(4, run.progress.completed)
        .bind(5, run.progress.failed)
        .run();
    tx.commit();
    return ok_status();
  });
}

Status Store::update_run_progress(const std::string &run_id, const RunProgress &progress,
                                  int shard_index) {
  return guarded(path_, "updating run " + single_quoted(run_id), [&]() -> Status {
    if (progress.planned < 0 || progress.completed < 0 || progress.failed < 0)
      return input_error(path_, "run " + single_quoted(run_id) + ": negative progress counts");
    Transaction tx(*db_);
    if (!run_exists(*db_, run_id))
      return no_run(*db_, path_, run_id);
    db_->prepare("UPDATE run_shards SET planned = ?3, completed = ?4, failed = ?5,"
                 " updated_at = " IMC_STORE_NOW " WHERE run_id = ?1 AND shard_index = ?2")
        .bind(1, run_id)
        .bind(2, shard_index)
        .bind(3, progress.planned)
        .bind(4, progress.completed)
        .bind(5, progress.failed)
        .run();
    if (db_->changes() == 0)
      return input_error(path_, "run " + single_quoted(run_id) + " has no shard " +
                                    std::to_string(shard_index) + " in this store");
    db_->prepare("UPDATE runs SET updated_at = " IMC_STORE_NOW ","
                 " status = CASE status WHEN 'queued' THEN 'running' ELSE status END"
                 " WHERE id = ?1")
        .bind(1, run_id)
        .run();
    tx.commit();
    return ok_status();
  });
}

Status Store::finish_run(const std::string &run_id, RunStatus status, const std::string &notes) {
  return guarded(path_, "finishing run " + single_quoted(run_id), [&]() -> Status {
    if (status == RunStatus::queued || status == RunStatus::running)
      return input_error(path_, "run " + single_quoted(run_id) +
                                    ": a run finishes complete, failed or "
                                    "cancelled, not " +
                                    to_string(status));
    Transaction tx(*db_);
    if (!run_exists(*db_, run_id))
      return no_run(*db_, path_, run_id);
    db_->prepare("UPDATE runs SET status = ?2, updated_at = " IMC_STORE_NOW ","
                 " notes = CASE WHEN ?3 = '' THEN notes WHEN notes = '' THEN ?3"
                 " ELSE notes || char(10) || ?3 END WHERE id = ?1")
        .bind(1, run_id)
        .bind(2, to_string(status))
        .bind(3, notes)
        .run();
    tx.commit();
    return ok_status();
  });
}

Result<RunRecord> Store::get_run(const std::string &run_id) {
  return guarded(path_, "reading run " + single_quoted(run_id), [&]() -> Result<RunRecord> {
    Statement s = db_->prepare(std::string(kRunSelect) + " WHERE r.id = ?1 GROUP BY r.id");
    s.bind(1, run_id);
    if (!s.step())
      return no_run(*db_, path_, run_id);
    return read_run(s);
  });
}

Result<std::vector<RunRecord>> Store::list_runs() {
  return guarded(path_, "listing runs", [&]() -> Result<std::vector<RunRecord>> {
    Statement s =
        db_->prepare(std::string(kRunSelect) + " GROUP BY r.id ORDER BY r.created_at, r.id");
    return s.collect(read_run);
  });
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

namespace internal {

std::string list_for_message(const std::vector<std::string> &items) {
  if (items.empty())
    return "none";
  std::string out;
  const size_t shown = std::min<size_t>(items.size(), 20);
  for (size_t i = 0; i < shown; ++i)
    out += (i ? ", " : "") + items[i];
  if (items.size() > shown)
    out += ", ... (" + std::to_string(items.size()) + " in all)";
  return out;
}

std::vector<std::string> run_ids(Connection &db) {
  return db.prepare("SELECT id FROM runs ORDER BY id").collect(Statement::first_text);
}

} // namespace internal

} // namespace imc::store
