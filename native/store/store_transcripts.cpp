// Store: transcripts written turn by turn, resume, replay events and wire logs.
#include "store/store.h"

#include "store/store_internal.h"
#include "store/transcript_text.h"

namespace imc::store {

using internal::guarded;
using internal::input_error;
using internal::single_quoted;

namespace internal {

const char *const kSummaryColumns =
    "t.id, coalesce(t.run_id, ''), t.case_id, t.clinician_endpoint, t.clinician_model,"
    " t.condition, t.patient_kind, t.patient_endpoint, t.pack_hash, t.title, t.created_at,"
    " t.state, t.reason, (SELECT count(*) FROM turns WHERE transcript_id = t.id)";

TranscriptSummary read_summary(const Statement &row) {
  TranscriptSummary s;
  s.id = row.string(0);
  s.run_id = row.string(1);
  s.case_id = row.string(2);
  s.clinician_endpoint = row.string(3);
  s.clinician_model = row.string(4);
  s.condition = row.string(5);
  s.patient_kind = row.string(6);
  s.patient_endpoint = row.string(7);
  s.pack_hash = row.string(8);
  s.title = row.string(9);
  s.created_at = row.string(10);
  s.status.state = parse_transcript_state(row.text(11)).value_or(TranscriptState::incomplete);
  s.status.reason = row.string(12);
  s.turn_count = row.int64(13);
  return s;
}

std::optional<TranscriptState> transcript_state(Connection &db, const std::string &id) {
  Statement s = db.prepare("SELECT state FROM transcripts WHERE id = ?1");
  s.bind(1, id);
  if (!s.step())
    return std::nullopt;
  return parse_transcript_state(s.text(0));
}

std::optional<std::string> transcript_document(Connection &db, const std::string &id,
                                               const std::string &schema) {
  Statement header = db.prepare("SELECT header_json FROM " + schema + ".transcripts WHERE id = ?1");
  header.bind(1, id);
  if (!header.step())
    return std::nullopt;
  Statement turns =
      db.prepare("SELECT json FROM " + schema + ".turns WHERE transcript_id = ?1 ORDER BY idx");
  const std::vector<std::string> texts = turns.bind(1, id).collect(Statement::first_text);
  std::string out;
  append_document(out, header.text(0), {texts.begin(), texts.end()});
  return out;
}

Status insert_transcript(Connection &db, const Transcript &t, const std::string &where) {
  if (t.id.empty())
    return input_error(where, "a transcript needs an id");
  if (transcript_state(db, t.id))
    return input_error(where, "transcript " + single_quoted(t.id) + " already exists");
  if (!t.run_id.empty()) {
    if (!db.prepare("SELECT 1 FROM runs WHERE id = ?1").bind(1, t.run_id).step())
      return input_error(
          where, "transcript " + single_quoted(t.id) + " names run " + single_quoted(t.run_id) +
                     ", which this store does not hold; runs: " + list_for_message(run_ids(db)));
    Statement taken = db.prepare("SELECT id FROM transcripts WHERE run_id = ?1 AND case_id = ?2"
                                 " AND clinician_endpoint = ?3 AND condition = ?4");
    taken.bind(1, t.run_id)
        .bind(2, t.case_id)
        .bind(3, t.clinician.endpoint)
        .bind(4, t.condition.name());
    if (taken.step())
      return input_error(
          where, "transcript " + single_quoted(t.id) + ": run " + single_quoted(t.run_id) +
                     " already holds transcript " + single_quoted(taken.text(0)) + " for case " +
                     single_quoted(t.case_id) + ", clinician " +
                     single_quoted(t.clinician.endpoint) + ", condition " + t.condition.name());
  }
  for (size_t i = 0; i < t.turns.size(); ++i)
    if (t.turns[i].index != int(i))
      return input_error(where, "transcript " + single_quoted(t.id) + ": turn " +
                                    std::to_string(i) + " has index " +
                                    std::to_string(t.turns[i].index));

  Statement insert = db.prepare(
      "INSERT INTO transcripts (id, run_id, case_id, clinician_endpoint, clinician_model,"
      " condition, patient_kind, patient_endpoint, pack_hash, title, state, reason, created_at,"
      " header_json) VALUES (?1, nullif(?2, ''), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
      " ?14)");
  insert.bind(1, t.id)
      .bind(2, t.run_id)
      .bind(3, t.case_id)
      .bind(4, t.clinician.endpoint)
      .bind(5, t.clinician.model)
      .bind(6, t.condition.name())
      .bind(7, to_string(t.patient.kind))
      .bind(8, t.patient.endpoint)
      .bind(9, t.pack_hash)
      .bind(10, t.title)
      .bind(11, to_string(t.status.state))
      .bind(12, t.status.reason)
      .bind(13, t.created_at)
      .bind(14, header_text(t))
      .run();
  Statement turn_insert = db.prepare(
      "INSERT INTO turns (transcript_id, idx, role, text, json) VALUES (?1, ?2, ?3, ?4, ?5)");
  for (const Turn &turn : t.turns) {
    turn_insert.bind(1, t.id)
        .bind(2, turn.index)
        .bind(3, to_string(turn.role))
        .bind(4, turn.text)
        .bind(5, turn_text(turn))
        .run();
  }
  return ok_status();
}

void delete_conversation(Connection &db, const std::string &id) {
  for (const char *sql : {"DELETE FROM turns WHERE transcript_id = ?1",
                          "DELETE FROM wire_logs WHERE transcript_id = ?1",
                          "DELETE FROM event_log WHERE transcript_id = ?1",
                          "DELETE FROM verdicts WHERE transcript_id = ?1",
                          "DELETE FROM annotations WHERE transcript_id = ?1"})
    db.prepare(sql).bind(1, id).run();
}

void delete_transcript(Connection &db, const std::string &id) {
  delete_conversation(db, id);
  db.prepare("DELETE FROM transcripts WHERE id = ?1").bind(1, id).run();
}

} // namespace internal

namespace {

// Errors when `turn` would not read back as a valid turn (a finish reason or error kind outside
// the format, a malformed timestamp or image path, ...), their pointers naming the turn.
Status check_turn(const Turn &turn, const std::string &path, const std::string &transcript_id) {
  Transcript holder; // the smallest valid document around the turn, which goes first
  holder.id = "t";
  holder.case_id = "c";
  holder.created_at = "2000-01-01T00:00:00.000Z";
  holder.clinician.model = "m";
  holder.patient.model = "m";
  holder.turns.push_back(turn);
  holder.turns.back().index = 0;
  auto parsed = parse_transcript(serialize_transcript(holder, false),
                                 path + ": transcript " + single_quoted(transcript_id));
  if (parsed)
    return ok_status();
  Errors errors = parsed.errors();
  const std::string placeholder = "/turns/0", actual = "/turns/" + std::to_string(turn.index);
  for (Error &e : errors)
    if (e.pointer.compare(0, placeholder.size(), placeholder) == 0)
      e.pointer.replace(0, placeholder.size(), actual);
  return errors;
}

Error no_transcript(const std::string &path, const std::string &id) {
  return input_error(path, "no transcript " + single_quoted(id));
}

void set_status(Connection &db, const std::string &id, const TranscriptStatus &status) {
  Statement header = db.prepare("SELECT header_json FROM transcripts WHERE id = ?1");
  header.bind(1, id);
  header.step();
  const std::string updated = header_with_status(header.text(0), status);
  db.prepare("UPDATE transcripts SET state = ?2, reason = ?3, header_json = ?4 WHERE id = ?1")
      .bind(1, id)
      .bind(2, to_string(status.state))
      .bind(3, status.reason)
      .bind(4, updated)
      .run();
}

} // namespace

Status Store::begin_transcript(const Transcript &header) {
  return guarded(path_, "beginning transcript " + single_quoted(header.id), [&]() -> Status {
    Transcript t = header;
    t.status = {TranscriptState::incomplete, "in progress"};
    // Whatever is stored must read back and export as a valid document.
    if (auto valid = parse_transcript(serialize_transcript(t, false),
                                      path_ + ": transcript " + single_quoted(t.id));
        !valid)
      return valid.errors();
    Transaction tx(*db_);
    if (auto ok = internal::insert_transcript(*db_, t, path_); !ok)
      return ok;
    tx.commit();
    return ok_status();
  });
}

Status Store::append_turn(const std::string &transcript_id, const Turn &turn) {
  return guarded(
      path_, "appending turn " + std::to_string(turn.index) + " to " + single_quoted(transcript_id),
      [&]() -> Status {
        const std::string json = turn_text(turn); // before the write lock: it is held briefly
        if (auto ok = check_turn(turn, path_, transcript_id); !ok)
          return ok;
        Transaction tx(*db_);
        const auto state = internal::transcript_state(*db_, transcript_id);
        if (!state)
          return no_transcript(path_, transcript_id);
        if (*state != TranscriptState::incomplete)
          return input_error(path_, "transcript " + single_quoted(transcript_id) + " is " +
                                        to_string(*state) +
                                        "; turns are appended only to incomplete transcripts");
        Statement count = db_->prepare("SELECT count(*) FROM turns WHERE transcript_id = ?1");
        count.bind(1, transcript_id).step();
        const int64_t next = count.int64(0);
        if (turn.index != next)
          return input_error(path_, "transcript " + single_quoted(transcript_id) + ": turn index " +
                                        std::to_string(turn.index) + ", expected " +
                                        std::to_string(next) + " (the number of turns stored)");
        db_->prepare("INSERT INTO turns (transcript_id, idx, role, text, json)"
                     " VALUES (?1, ?2, ?3, ?4, ?5)")
            .bind(1, transcript_id)
            .bind(2, turn.index)
            .bind(3, to_string(turn.role))
            .bind(4, turn.text)
            .bind(5, json)
            .run();
        tx.commit();
        return ok_status();
      });
}

Status Store::finish_transcript(const std::string &transcript_id, const TranscriptStatus &status) {
  return guarded(path_, "finishing transcript " + single_quoted(transcript_id), [&]() -> Status {
    Transaction tx(*db_);
    if (!internal::transcript_state(*db_, transcript_id))
      return no_transcript(path_, transcript_id);
    set_status(*db_, transcript_id, status);
    tx.commit();
    return ok_status();
  });
}

Result<Transcript> Store::get_transcript(const std::string &transcript_id) {
  return guarded(
      path_, "reading transcript " + single_quoted(transcript_id), [&]() -> Result<Transcript> {
        Transaction read(*db_, Transaction::Mode::deferred);
        auto text = internal::transcript_document(*db_, transcript_id);
        read.commit();
        if (!text)
          return no_transcript(path_, transcript_id);
        return parse_transcript(*text, path_ + ": transcript " + single_quoted(transcript_id));
      });
}

Result<std::vector<TranscriptSummary>> Store::list_transcripts(const TranscriptFilter &filter) {
  return guarded(path_, "listing transcripts", [&]() -> Result<std::vector<TranscriptSummary>> {
    std::string sql =
        std::string("SELECT ") + internal::kSummaryColumns + " FROM transcripts t WHERE 1";
    if (filter.run_id)
      sql += filter.run_id->empty() ? " AND t.run_id IS NULL" : " AND t.run_id = ?1";
    if (filter.case_id)
      sql += " AND t.case_id = ?2";
    if (filter.state)
      sql += " AND t.state = ?3";
    sql += " ORDER BY t.id";
    Statement s = db_->prepare(sql);
    if (filter.run_id && !filter.run_id->empty())
      s.bind(1, *filter.run_id);
    if (filter.case_id)
      s.bind(2, *filter.case_id);
    if (filter.state)
      s.bind(3, to_string(*filter.state));
    return s.collect(internal::read_summary);
  });
}

Result<std::optional<TranscriptSummary>> Store::find_by_work_key(const WorkKey &key) {
  return guarded(path_, "looking up a work key", [&]() -> Result<std::optional<TranscriptSummary>> {
    if (key.run_id.empty())
      return input_error(path_, "a work key needs a run id");
    Statement s = db_->prepare(std::string("SELECT ") + internal::kSummaryColumns +
                               " FROM transcripts t WHERE t.run_id = ?1 AND t.case_id = ?2"
                               " AND t.clinician_endpoint = ?3 AND t.condition = ?4");
    s.bind(1, key.run_id)
        .bind(2, key.case_id)
        .bind(3, key.clinician_endpoint)
        .bind(4, key.condition);
    if (!s.step())
      return std::optional<TranscriptSummary>();
    return std::optional<TranscriptSummary>(internal::read_summary(s));
  });
}

Status Store::reset_transcript(const std::string &transcript_id) {
  return guarded(path_, "resetting transcript " + single_quoted(transcript_id), [&]() -> Status {
    Transaction tx(*db_);
    const auto state = internal::transcript_state(*db_, transcript_id);
    if (!state)
      return no_transcript(path_, transcript_id);
    if (*state == TranscriptState::complete)
      return input_error(path_, "transcript " + single_quoted(transcript_id) +
                                    " is complete; a resumed run keeps complete transcripts");
    internal::delete_conversation(*db_, transcript_id);
    set_status(*db_, transcript_id, {TranscriptState::incomplete, "in progress"});
    tx.commit();
    return ok_status();
  });
}

Result<int64_t> Store::delete_incomplete(const std::string &run_id) {
  return guarded(
      path_, "deleting unfinished transcripts of run " + single_quoted(run_id),
      [&]() -> Result<int64_t> {
        Transaction tx(*db_);
        if (!db_->prepare("SELECT 1 FROM runs WHERE id = ?1").bind(1, run_id).step())
          return input_error(path_, "no run " + single_quoted(run_id) + "; runs: " +
                                        internal::list_for_message(internal::run_ids(*db_)));
        Statement s =
            db_->prepare("SELECT id FROM transcripts WHERE run_id = ?1 AND state <> 'complete'");
        const std::vector<std::string> ids = s.bind(1, run_id).collect(Statement::first_text);
        for (const std::string &id : ids)
          internal::delete_transcript(*db_, id);
        tx.commit();
        return int64_t(ids.size());
      });
}

// ---------------------------------------------------------------------------------------------
// Replay events and wire logs

Result<int64_t> Store::append_event(const std::string &transcript_id, const std::string &json) {
  return guarded(
      path_, "appending an event to " + single_quoted(transcript_id), [&]() -> Result<int64_t> {
        Transaction tx(*db_);
        if (!internal::transcript_state(*db_, transcript_id))
          return no_transcript(path_, transcript_id);
        Statement valid = db_->prepare("SELECT json_valid(?1)");
        valid.bind(1, json).step();
        if (valid.int64(0) != 1)
          return input_error(path_, "event of " + single_quoted(transcript_id) + ": not JSON");
        Statement next = db_->prepare(
            "SELECT coalesce(max(seq) + 1, 0) FROM event_log WHERE transcript_id = ?1");
        next.bind(1, transcript_id).step();
        const int64_t seq = next.int64(0);
        db_->prepare("INSERT INTO event_log (transcript_id, seq, json)"
                     " VALUES (?1, ?2, ?3)")
            .bind(1, transcript_id)
            .bind(2, seq)
            .bind(3, json)
            .run();
        tx.commit();
        return seq;
      });
}

Result<std::vector<EventRecord>> Store::list_events(const std::string &transcript_id) {
  return guarded(path_, "listing events of " + single_quoted(transcript_id),
                 [&]() -> Result<std::vector<EventRecord>> {
                   Statement s = db_->prepare("SELECT seq, json FROM event_log"
                                              " WHERE transcript_id = ?1 ORDER BY seq");
                   return s.bind(1, transcript_id).collect([&](const Statement &row) {
                     return EventRecord{transcript_id, row.int64(0), row.string(1)};
                   });
                 });
}

Result<int64_t> Store::add_wire_log(const WireLogRecord &log) {
  return guarded(
      path_,
      "adding wire log " + single_quoted(log.call_id) + " of " + single_quoted(log.transcript_id),
      [&]() -> Result<int64_t> {
        const std::string what = "wire log " + single_quoted(log.call_id) + " of transcript " +
                                 single_quoted(log.transcript_id);
        if (log.call_id.empty())
          return input_error(path_, "a wire log needs a call id");
        if (log.turn_index < 0)
          return input_error(path_, what + ": negative turn index");
        Transaction tx(*db_);
        if (!internal::transcript_state(*db_, log.transcript_id))
          return no_transcript(path_, log.transcript_id);
        Statement valid = db_->prepare("SELECT json_valid(?1)");
        valid.bind(1, log.request_json).step();
        if (valid.int64(0) != 1)
          return input_error(path_, what + ": request_json is not JSON");
        if (db_->prepare("SELECT 1 FROM wire_logs WHERE transcript_id = ?1 AND call_id = ?2")
                .bind(1, log.transcript_id)
                .bind(2, log.call_id)
                .step())
          return input_error(path_, what + " already exists");
        db_->prepare("INSERT INTO wire_logs (transcript_id, turn_index, call_id, started_at,"
                     " ended_at, request_json, response_text, status, http_status)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
            .bind(1, log.transcript_id)
            .bind(2, log.turn_index)
            .bind(3, log.call_id)
            .bind(4, log.started_at)
            .bind(5, log.ended_at)
            .bind(6, log.request_json)
            .bind(7, log.response_text)
            .bind(8, log.status)
            .bind(9, log.http_status)
            .run();
        const int64_t id = db_->last_insert_rowid();
        tx.commit();
        return id;
      });
}

Result<std::vector<WireLogRecord>> Store::list_wire_logs(const std::string &transcript_id,
                                                         std::optional<int> turn_index) {
  return guarded(path_, "listing wire logs of " + single_quoted(transcript_id),
                 [&]() -> Result<std::vector<WireLogRecord>> {
                   Statement s = db_->prepare(
                       "SELECT id, turn_index, call_id, started_at, ended_at, request_json,"
                       " response_text, status, http_status FROM wire_logs"
                       " WHERE transcript_id = ?1 AND (?2 IS NULL OR turn_index = ?2)"
                       " ORDER BY turn_index, started_at, id");
                   s.bind(1, transcript_id).bind(2, turn_index);
                   return s.collect([&](const Statement &row) {
                     WireLogRecord log;
                     log.id = row.int64(0);
                     log.transcript_id = transcript_id;
                     log.turn_index = row.integer(1);
                     log.call_id = row.string(2);
                     log.started_at = row.string(3);
                     log.ended_at = row.string(4);
                     log.request_json = row.string(5);
                     log.response_text = row.string(6);
                     log.status = row.string(7);
                     log.http_status = row.optional_int(8);
                     return log;
                   });
                 });
}

} // namespace imc::store
