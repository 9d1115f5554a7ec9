#include "store/sqlite_connection.h"

#include <sqlite3.h>

#include <climits>

namespace imc::store {

// ---------------------------------------------------------------------------------------------
// Statement

Statement::Statement(Connection *connection, sqlite3_stmt *stmt, bool *in_use)
    : connection_(connection), stmt_(stmt), in_use_(in_use) {}

Statement::Statement(Statement &&other) noexcept
    : connection_(other.connection_), stmt_(other.stmt_), in_use_(other.in_use_) {
  other.stmt_ = nullptr;
  other.in_use_ = nullptr;
}

Statement::~Statement() {
  if (!stmt_)
    return;
  if (in_use_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *in_use_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
}

void Statement::check(int rc, const char *what) const {
  if (rc != SQLITE_OK)
    connection_->fail(rc, std::string(what) + " in: " + sqlite3_sql(stmt_));
}

Statement &Statement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies the bytes, so the caller's string may go away before step().
  check(sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
        "binding a text parameter");
  return *this;
}

Statement &Statement::bind(int index, int64_t value) {
  check(sqlite3_bind_int64(stmt_, index, value), "binding an integer parameter");
  return *this;
}

Statement &Statement::bind_null(int index) {
  check(sqlite3_bind_null(stmt_, index), "binding NULL");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW)
    return true;
  if (rc == SQLITE_DONE)
    return false;
  connection_->fail(rc, std::string("running: ") + sqlite3_sql(stmt_));
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() { sqlite3_reset(stmt_); }

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<int> Statement::optional_int(int column) const {
  if (is_null(column))
    return std::nullopt;
  return integer(column);
}

std::string_view Statement::text(int column) const {
  const auto *data = reinterpret_cast<const char *>(sqlite3_column_text(stmt_, column));
  if (!data)
    return {};
  return std::string_view(data, size_t(sqlite3_column_bytes(stmt_, column)));
}

// ---------------------------------------------------------------------------------------------
// Connection

Connection::Connection(const std::string &path, const ConnectionOptions &options) : path_(path) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.create_if_missing)
    flags |= SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw SqliteFailure(rc, message);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, options.busy_timeout_ms);
}

Connection::~Connection() {
  for (auto &[sql, cached] : cache_)
    sqlite3_finalize(cached.stmt);
  // close_v2 defers the close if a statement is somehow still alive, instead of failing.
  sqlite3_close_v2(db_);
}

void Connection::fail(int rc, std::string_view what) const {
  std::string message = sqlite3_errmsg(db_);
  if (message == "not an error" || message.empty())
    message = sqlite3_errstr(rc);
  throw SqliteFailure(rc, message + " (" + std::string(what) + ")");
}

Statement Connection::prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it != cache_.end() && !*it->second.in_use) {
    *it->second.in_use = true;
    return Statement(this, it->second.stmt, it->second.in_use.get());
  }
  sqlite3_stmt *stmt = nullptr;
  if (sql.size() > size_t(INT_MAX))
    fail(SQLITE_TOOBIG, "preparing a statement");
  const int rc = sqlite3_prepare_v3(db_, sql.data(), int(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                    &stmt, nullptr);
  if (rc != SQLITE_OK)
    fail(rc, "preparing: " + std::string(sql));
  if (it != cache_.end()) // the cached one is busy further up the stack: this one is owned
    return Statement(this, stmt, nullptr);
  CachedStatement &slot = cache_[std::string(sql)];
  slot.stmt = stmt;
  *slot.in_use = true;
  return Statement(this, stmt, slot.in_use.get());
}

void Connection::exec(const std::string &sql) {
  char *error = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    const std::string message = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    const std::string head = sql.substr(0, sql.find('\n'));
    throw SqliteFailure(rc, message + " (running: " + head + ")");
  }
}

int64_t Connection::changes() const { return sqlite3_changes64(db_); }
int64_t Connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
bool Connection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

// ---------------------------------------------------------------------------------------------
// Transaction

Transaction::Transaction(Connection &connection, Mode mode) : connection_(connection) {
  connection_.prepare(mode == Mode::immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED").run();
}

Transaction::~Transaction() {
  if (!open_)
    return;
  // After some errors (SQLITE_FULL, SQLITE_IOERR, ...) SQLite has already rolled back; ROLLBACK
  // would then fail with "no transaction is active", which is harmless. Never throw here.
  if (connection_.in_transaction()) {
    try {
      connection_.prepare("ROLLBACK").run();
    } catch (...) {
    }
  }
}

void Transaction::commit() {
  connection_.prepare("COMMIT").run();
  open_ = false;
}

} // namespace imc::store
