#pragma once
// The store's schema as ordered migration steps (docs/FORMATS.md, "Store (SQLite)").
//
// PRAGMA user_version is the schema version: it lives in the database header and changes in the
// same transaction as the step's DDL, so a crash mid-migration leaves the previous version, whole.
// schema_migrations keeps a readable history (version, name, applied_at). Steps are only ever
// appended; a released step is never edited.
#include "imc/result.h"

#include <cstdint>
#include <vector>

namespace imc::store {

class Connection;

// PRAGMA application_id of every IMC store ("IMCS"), so that another program's SQLite file is
// refused instead of being migrated.
inline constexpr int32_t kStoreApplicationId = 0x494D4353;

struct Migration {
  int version;      // 1, 2, ...: the user_version after this step
  const char *name; // what the step does, recorded in schema_migrations
  const char *sql;  // DDL run inside the step's transaction
};

// Every step, in order.
const std::vector<Migration> &store_migrations();
// The version this code writes and reads: the last step's.
int latest_schema_version();

// What an opened file holds, read without changing it.
struct SchemaState {
  int32_t application_id = 0;
  int user_version = 0;
  int table_count = 0; // tables in sqlite_schema
  bool is_empty() const { return application_id == 0 && user_version == 0 && table_count == 0; }
};
SchemaState read_schema_state(Connection &connection);

// Errors for a file that is not an IMC store this code can use (another program's database, a
// store written by a newer imc), or nothing when it is empty or an IMC store of this or an older
// version. Names `path`.
Status check_schema_state(const SchemaState &state, const std::string &path);

// Applies the pending steps up to `target_version`, each in its own IMMEDIATE transaction that
// re-reads user_version first (another process may have migrated meanwhile). Returns the version
// reached. Throws SqliteFailure when SQLite fails; returns errors from check_schema_state.
Result<int> migrate_store(Connection &connection, int target_version);

} // namespace imc::store
