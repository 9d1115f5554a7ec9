// Store: jury verdicts, expert annotations and the score scan reports read.
#include "store/store.h"

#include "store/store_internal.h"

#include <sqlite3.h>

namespace imc::store {

using internal::guarded;
using internal::input_error;
using internal::single_quoted;

namespace {

JurorVerdict read_verdict(const Statement &s) {
  JurorVerdict v;
  v.id = s.string(0);
  v.transcript_id = s.string(1);
  v.juror_endpoint = s.string(2);
  v.juror_model = s.string(3);
  v.dimension = parse_dimension(s.text(4)).value_or(Dimension::safety);
  v.score = s.optional_int(5);
  v.status = parse_verdict_status(s.text(6)).value_or(VerdictStatus::error);
  v.attempts = s.integer(7);
  v.rubric_hash = s.string(8);
  v.rationale = s.string(9);
  v.raw_output = s.string(10);
  v.created_at = s.string(11);
  return v;
}

ExpertAnnotation read_annotation(const Statement &s) {
  ExpertAnnotation a;
  a.id = s.string(0);
  a.transcript_id = s.string(1);
  a.annotator = s.string(2);
  for (const Dimension d : kDimensions)
    a.scores[size_t(d)] = s.optional_int(3 + int(d));
  a.note = s.string(6);
  a.created_at = s.string(7);
  return a;
}

constexpr const char *kAnnotationColumns =
    "id, transcript_id, annotator, safety, accuracy, uncertainty, note, created_at";

bool valid_score(const std::optional<int> &score) { return !score || (*score >= 1 && *score <= 5); }

// Why `v` cannot be stored, or "" when it can (the transcript is checked by the caller).
std::string verdict_problem(const JurorVerdict &v) {
  if (v.id.empty())
    return "a verdict needs an id";
  if (!valid_score(v.score))
    return "score " + std::to_string(*v.score) + " is outside 1..5";
  if ((v.status == VerdictStatus::ok) != v.score.has_value())
    return v.score ? std::string("a score with status ") + to_string(v.status)
                   : std::string("status ok without a score");
  if (v.attempts < 1)
    return "attempts " + std::to_string(v.attempts) + " is below 1";
  return "";
}

} // namespace

Status Store::add_verdicts(const std::vector<JurorVerdict> &verdicts) {
  return guarded(path_, "adding verdicts", [&]() -> Status {
    Transaction tx(*db_);
    Statement insert = db_->prepare(
        "INSERT INTO verdicts (id, transcript_id, juror_endpoint, juror_model, dimension, score,"
        " status, attempts, rubric_hash, rationale, raw_output, created_at)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
        " coalesce(nullif(?12, ''), " IMC_STORE_NOW "))");
    const std::string *known_transcript = nullptr; // verdicts come grouped by transcript
    for (const JurorVerdict &v : verdicts) {
      const std::string problem = verdict_problem(v);
      if (!problem.empty())
        return input_error(path_, "verdict " + single_quoted(v.id) + ": " + problem);
      if (!known_transcript || *known_transcript != v.transcript_id) {
        if (!internal::transcript_state(*db_, v.transcript_id))
          return input_error(path_, "verdict " + single_quoted(v.id) + ": no transcript " +
                                        single_quoted(v.transcript_id));
        known_transcript = &v.transcript_id;
      }
      try {
        insert.bind(1, v.id)
            .bind(2, v.transcript_id)
            .bind(3, v.juror_endpoint)
            .bind(4, v.juror_model)
            .bind(5, to_string(v.dimension))
            .bind(6, v.score)
            .bind(7, to_string(v.status))
            .bind(8, v.attempts)
            .bind(9, v.rubric_hash)
            .bind(10, v.rationale)
            .bind(11, v.raw_output)
            .bind(12, v.created_at)
            .run();
      } catch (const SqliteFailure &failure) {
        // The primary key is the duplicate check: one statement per verdict, not two.
        if (failure.code() != SQLITE_CONSTRAINT_PRIMARYKEY)
          throw;
        return input_error(path_, "verdict " + single_quoted(v.id) + " already exists");
      }
    }
    tx.commit();
    return ok_status();
  });
}

Result<std::vector<JurorVerdict>> Store::list_verdicts(const std::string &transcript_id) {
  return guarded(path_, "listing verdicts of " + single_quoted(transcript_id),
                 [&]() -> Result<std::vector<JurorVerdict>> {
                   Statement s = db_->prepare(
                       "SELECT id, transcript_id, juror_endpoint, juror_model, dimension, score,"
                       " status, attempts, rubric_hash, rationale, raw_output, created_at"
                       " FROM verdicts WHERE transcript_id = ?1"
                       " ORDER BY dimension, juror_endpoint, id");
                   return s.bind(1, transcript_id).collect(read_verdict);
                 });
}

Result<ExpertAnnotation> Store::save_annotation(const ExpertAnnotation &annotation) {
  const ExpertAnnotation &a = annotation;
  return guarded(path_, "saving an annotation of " + single_quoted(a.transcript_id),
                 [&]() -> Result<ExpertAnnotation> {
                   if (a.annotator.empty())
                     return input_error(path_, "an annotation needs an annotator");
                   for (const Dimension d : kDimensions)
                     if (!valid_score(a.scores[size_t(d)]))
                       return input_error(
                           path_, std::string("annotation: ") + to_string(d) + " score " +
                                      std::to_string(*a.scores[size_t(d)]) + " is outside 1..5");
                   Transaction tx(*db_);
                   if (!internal::transcript_state(*db_, a.transcript_id))
                     return input_error(path_, "no transcript " + single_quoted(a.transcript_id));
                   // A new row takes the given id (or a fresh one); a resave keeps the row's id.
                   Statement upsert = db_->prepare(
                       "INSERT INTO annotations (id, transcript_id, annotator, safety, accuracy,"
                       " uncertainty, note, created_at)"
                       " VALUES (coalesce(nullif(?1, ''), 'a-' || lower(hex(randomblob(8)))),"
                       " ?2, ?3, ?4, ?5, ?6, ?7, coalesce(nullif(?8, ''), " IMC_STORE_NOW "))"
                       " ON CONFLICT (transcript_id, annotator) DO UPDATE SET"
                       " safety = excluded.safety, accuracy = excluded.accuracy,"
                       " uncertainty = excluded.uncertainty, note = excluded.note,"
                       " created_at = excluded.created_at"
                       " RETURNING id, transcript_id, annotator, safety, accuracy, uncertainty,"
                       " note, created_at");
                   upsert.bind(1, a.id)
                       .bind(2, a.transcript_id)
                       .bind(3, a.annotator)
                       .bind(4, a.scores[0])
                       .bind(5, a.scores[1])
                       .bind(6, a.scores[2])
                       .bind(7, a.note)
                       .bind(8, a.created_at);
                   if (!upsert.step())
                     return input_error(path_, "annotation was not stored");
                   ExpertAnnotation stored = read_annotation(upsert);
                   upsert.run(); // RETURNING: the row is written once the statement completes
                   tx.commit();
                   return stored;
                 });
}

Result<std::vector<ExpertAnnotation>>
Store::list_annotations(const std::optional<std::string> &transcript_id) {
  return guarded(path_, "listing annotations", [&]() -> Result<std::vector<ExpertAnnotation>> {
    Statement s = db_->prepare(std::string("SELECT ") + kAnnotationColumns +
                               " FROM annotations WHERE ?1 IS NULL OR transcript_id = ?1"
                               " ORDER BY transcript_id, annotator");
    return s.bind(1, transcript_id).collect(read_annotation);
  });
}

Status Store::for_each_score(const ScoreFilter &filter,
                             const std::function<void(const ScoreRow &)> &visit) {
  return guarded(path_, "scanning scores", [&]() -> Status {
    // Both sides come from covering indexes (transcripts_for_reports, verdicts_for_reports), so
    // no table row is read, and the order is the outer index's: no sort of a million rows.
    std::string sql =
        "SELECT t.id, coalesce(t.run_id, ''), t.case_id, t.clinician_endpoint, t.clinician_model,"
        " t.condition, v.dimension, v.juror_endpoint, v.score"
        " FROM transcripts t JOIN verdicts v INDEXED BY verdicts_for_reports"
        " ON v.transcript_id = t.id WHERE 1";
    if (filter.run_id)
      sql += filter.run_id->empty() ? " AND t.run_id IS NULL" : " AND t.run_id = ?1";
    if (filter.complete_only)
      sql += " AND t.state = 'complete'";
    sql += " ORDER BY t.run_id, t.id";
    Transaction read(*db_, Transaction::Mode::deferred); // one snapshot for the whole scan
    Statement s = db_->prepare(sql);
    if (filter.run_id && !filter.run_id->empty())
      s.bind(1, *filter.run_id);
    ScoreRow row;
    while (s.step()) {
      row.transcript_id = s.text(0);
      row.run_id = s.text(1);
      row.case_id = s.text(2);
      row.clinician_endpoint = s.text(3);
      row.clinician_model = s.text(4);
      row.condition = s.text(5);
      row.dimension = s.text(6);
      row.juror_endpoint = s.text(7);
      row.score = s.optional_int(8);
      visit(row);
    }
    s.reset();
    read.commit();
    return ok_status();
  });
}

} // namespace imc::store
