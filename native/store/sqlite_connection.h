#pragma once
// A small RAII layer over the SQLite C API: a Connection (one sqlite3 handle and its cache of
// prepared statements), Statement handles that bind parameters and read columns, and Transaction
// guards that roll back unless committed.
//
// Why not an ORM: the store is a handful of tables whose SQL is the design (CHECK constraints,
// covering indexes for report scans, one transaction per turn, ATTACH + INSERT ... SELECT for
// merges). An ORM would hide exactly those choices, add a dependency Debian does not ship, and
// cost an object per row where a report scan must touch a million rows. This layer only removes
// the C API's sharp edges: leaked handles on early return, statements left un-reset, unchecked
// return codes.
//
// Failures of SQLite itself (I/O, a full disk, corruption, a lock held past the busy timeout, a
// violated constraint) throw SqliteFailure. The Store catches them at its API and returns error
// values; nothing outside native/store sees the exception.
//
// A Connection is used by one thread at a time (SQLite is built thread-safe, but a statement
// cache is not): open one per thread.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace imc::store {

class SqliteFailure : public std::runtime_error {
public:
  SqliteFailure(int code, const std::string &message) : std::runtime_error(message), code_(code) {}
  int code() const { return code_; } // SQLite's extended result code
private:
  int code_;
};

class Connection;

// A prepared statement borrowed from its connection's cache (or owned, when the cached one is
// already in use further up the stack). Destroying it resets it and clears its bindings, so the
// next user starts clean. Parameters and columns are numbered as in SQL: parameters from 1,
// columns from 0.
class Statement {
public:
  Statement(Statement &&other) noexcept;
  Statement &operator=(Statement &&) = delete;
  Statement(const Statement &) = delete;
  ~Statement();

  Statement &bind(int index, std::string_view text);
  Statement &bind(int index, const char *text) { return bind(index, std::string_view(text)); }
  Statement &bind(int index, int64_t value);
  Statement &bind(int index, int value) { return bind(index, int64_t(value)); }
  Statement &bind_null(int index);
  template <class T> Statement &bind(int index, const std::optional<T> &value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  // Advances to the next row: true when one is ready, false when the statement is done.
  bool step();
  // Runs a statement that returns no rows (or whose rows are not wanted) to completion, then
  // resets it (bindings kept), so it can be bound and run again.
  void run();
  // Rewinds to before the first row, keeping the bindings.
  void reset();

  bool is_null(int column) const;
  int64_t int64(int column) const;
  int integer(int column) const { return int(int64(column)); }
  std::optional<int> optional_int(int column) const;
  // Valid until the next step() or the statement's destruction.
  std::string_view text(int column) const;
  std::string string(int column) const { return std::string(text(column)); }
  // Column 0 of a row, as text: a reader for collect().
  static std::string first_text(const Statement &row) { return row.string(0); }

  // Every remaining row, each made into a value by `read(row)`.
  template <class Read> auto collect(Read read) -> std::vector<decltype(read(*this))> {
    std::vector<decltype(read(*this))> out;
    while (step())
      out.push_back(read(*this));
    return out;
  }

private:
  friend class Connection;
  Statement(Connection *connection, sqlite3_stmt *stmt, bool *in_use);
  void check(int rc, const char *what) const;

  Connection *connection_;
  sqlite3_stmt *stmt_;
  bool *in_use_; // the cache slot's flag; nullptr when this handle owns the statement
};

struct ConnectionOptions {
  bool create_if_missing = true; // false: opening a missing file fails
  int busy_timeout_ms = 10000;   // a writer waits this long for another connection's lock
};

class Connection {
public:
  // Opens (or creates) the database file. Throws SqliteFailure.
  Connection(const std::string &path, const ConnectionOptions &options);
  ~Connection();
  Connection(const Connection &) = delete;
  Connection &operator=(const Connection &) = delete;

  // The statement for `sql`, prepared once per connection and reused.
  Statement prepare(std::string_view sql);
  // Runs one or more statements that return no rows (DDL, PRAGMAs that set).
  void exec(const std::string &sql);

  int64_t changes() const;
  int64_t last_insert_rowid() const;
  bool in_transaction() const;
  const std::string &path() const { return path_; }
  sqlite3 *handle() const { return db_; }

  // Throws SqliteFailure with SQLite's message for `rc`, naming `what` was being done.
  [[noreturn]] void fail(int rc, std::string_view what) const;

private:
  struct CachedStatement {
    sqlite3_stmt *stmt = nullptr;
    std::unique_ptr<bool> in_use = std::make_unique<bool>(false);
  };

  std::string path_;
  sqlite3 *db_ = nullptr;
  std::unordered_map<std::string, CachedStatement> cache_;
};

// BEGIN ... COMMIT, rolled back by the destructor unless commit() ran. Writers use `immediate`,
// which takes the write lock up front: a deferred transaction that reads first and then writes
// can fail with SQLITE_BUSY at once (the busy timeout cannot help it), an immediate one waits.
class Transaction {
public:
  enum class Mode { deferred, immediate };
  explicit Transaction(Connection &connection, Mode mode = Mode::immediate);
  ~Transaction();
  Transaction(const Transaction &) = delete;
  Transaction &operator=(const Transaction &) = delete;
  void commit();

private:
  Connection &connection_;
  bool open_ = true;
};

} // namespace imc::store
