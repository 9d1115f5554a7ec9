#include "wire_log_record.h"

#include "imc/timestamp.h"

namespace imc::transport {

store::WireLogRecord to_wire_log_record(const WireLog &log, const std::string &transcript_id,
                                        int turn_index) {
  store::WireLogRecord record;
  record.transcript_id = transcript_id;
  record.turn_index = turn_index;
  record.call_id = log.call_id;
  record.started_at = format_rfc3339_ms(log.started_unix_ms);
  record.ended_at = format_rfc3339_ms(log.ended_unix_ms);
  record.request_json = request_json(log.request);
  record.response_text = serialize_wire_log(log);
  record.status = log.status;
  if (log.http_status != 0)
    record.http_status = log.http_status;
  return record;
}

} // namespace imc::transport
