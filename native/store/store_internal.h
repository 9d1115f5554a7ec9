#pragma once
// Internal to native/store: helpers shared by the store_*.cpp files.
#include "store/sqlite_connection.h"
#include "store/store.h"

#include <string>
#include <string_view>
#include <vector>

// SQL for the current time as the store writes timestamps (RFC 3339 UTC with milliseconds); a
// macro so that it joins the string literals of a statement at compile time.
#define IMC_STORE_NOW "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

namespace imc::store::internal {

inline Error input_error(const std::string &path, std::string found) {
  return Error{path, "", "", std::move(found)};
}

inline Error storage_error(const std::string &path, const SqliteFailure &failure,
                           std::string_view doing) {
  return Error{path, kStorageFailure, "",
               std::string(failure.what()) + " while " + std::string(doing)};
}

// Runs `body` (which returns a Result), turning a SqliteFailure into a storage error value.
template <class Body>
auto guarded(const std::string &path, std::string_view doing, Body &&body) -> decltype(body()) {
  try {
    return body();
  } catch (const SqliteFailure &failure) {
    return storage_error(path, failure, doing);
  }
}

// 'text', for messages.
inline std::string single_quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

// "a, b, c" (the first 20), or "none".
std::string list_for_message(const std::vector<std::string> &items);

// Ids of every run, for "no run 'x'; runs: a, b" messages.
std::vector<std::string> run_ids(Connection &db);

// The stored state of a transcript, or nullopt when there is none.
std::optional<TranscriptState> transcript_state(Connection &db, const std::string &id);

// The transcript's whole document as serialize_transcript(t, false) writes it, or nullopt.
// `schema` is "main" or the name of an attached store.
std::optional<std::string> transcript_document(Connection &db, const std::string &id,
                                               const std::string &schema = "main");

// Deletes what hangs off a transcript's conversation (turns, wire logs, events, verdicts,
// annotations), which a restart discards; delete_transcript also deletes the transcript.
void delete_conversation(Connection &db, const std::string &id);
void delete_transcript(Connection &db, const std::string &id);

// Inserts a transcript and its turns (no transaction of its own). `t.status` is stored as is.
// Errors (not exceptions) for an existing id, a missing run or a taken work key; `where` is the
// path or SOURCE:LINE the messages name.
Status insert_transcript(Connection &db, const Transcript &t, const std::string &where);

// The transcript summary columns, in the order read_summary expects, for "FROM transcripts t".
extern const char *const kSummaryColumns;
TranscriptSummary read_summary(const Statement &row);

} // namespace imc::store::internal
