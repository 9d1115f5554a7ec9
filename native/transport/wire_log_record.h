#pragma once
// A call's wire log as a row of the store's wire_logs table (native/store, docs/FORMATS.md
// "Store (SQLite)"), attached to one transcript turn.
#include "wire_log.h"

#include "store/store_records.h"

#include <string>

namespace imc::transport {

// call_id, started_at/ended_at (RFC 3339), request_json (request_json() of the redacted
// request), response_text (the whole serialize_wire_log() record: head, body, timings and
// attempts, so nothing of the log is lost), status ("ok" or the error kind) and http_status
// (unset when no response arrived).
store::WireLogRecord to_wire_log_record(const WireLog &log, const std::string &transcript_id,
                                        int turn_index);

} // namespace imc::transport
