// Store: JSON Lines export and import of transcripts.
#include "store/store.h"

#include "store/store_internal.h"
#include "store/transcript_text.h"

#include <istream>
#include <ostream>
#include <set>

namespace imc::store {

using internal::guarded;
using internal::input_error;
using internal::single_quoted;

namespace {

// An import stops collecting messages here; the last one says how many more there were.
constexpr size_t kMaxImportErrors = 100;

} // namespace

Result<int64_t> Store::export_jsonl(const std::optional<std::string> &run_id, std::ostream &out) {
  return guarded(path_, "exporting transcripts", [&]() -> Result<int64_t> {
    Transaction read(*db_, Transaction::Mode::deferred); // one consistent snapshot
    std::string sql = "SELECT id, header_json FROM transcripts";
    if (run_id) {
      if (!run_id->empty() &&
          !db_->prepare("SELECT 1 FROM runs WHERE id = ?1").bind(1, *run_id).step())
        return input_error(path_, "no run " + single_quoted(*run_id) + "; runs: " +
                                      internal::list_for_message(internal::run_ids(*db_)));
      sql += run_id->empty() ? " WHERE run_id IS NULL" : " WHERE run_id = ?1";
    }
    sql += " ORDER BY id";
    Statement transcripts = db_->prepare(sql);
    if (run_id && !run_id->empty())
      transcripts.bind(1, *run_id);
    Statement turns = db_->prepare("SELECT json FROM turns WHERE transcript_id = ?1 ORDER BY idx");
    int64_t count = 0;
    std::string line;
    std::vector<std::string> turn_texts;
    while (transcripts.step()) {
      turn_texts.clear();
      turns.bind(1, transcripts.text(0));
      while (turns.step())
        turn_texts.push_back(turns.string(0));
      turns.reset();
      line.clear();
      append_document(line, transcripts.text(1), {turn_texts.begin(), turn_texts.end()});
      line.push_back('\n');
      out.write(line.data(), std::streamsize(line.size()));
      if (!out)
        return input_error(path_, "exporting: the output stream failed after " +
                                      std::to_string(count) + " transcripts");
      ++count;
    }
    transcripts.reset();
    read.commit();
    return count;
  });
}

Result<ImportReport> Store::import_jsonl(std::istream &in, const std::string &source_name) {
  return guarded(path_, "importing " + source_name, [&]() -> Result<ImportReport> {
    ImportReport report;
    Errors errors;
    size_t suppressed = 0;
    auto add_errors = [&](const Errors &more) {
      for (const Error &e : more) {
        if (errors.size() < kMaxImportErrors)
          errors.push_back(e);
        else
          ++suppressed;
      }
    };
    std::set<std::string> created_runs;

    Transaction tx(*db_);
    std::string line;
    for (size_t number = 1; std::getline(in, line); ++number) {
      if (!line.empty() && line.back() == '\r')
        line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos)
        continue;
      const std::string where = source_name + ":" + std::to_string(number);
      auto parsed = parse_transcript(line, where);
      if (!parsed) {
        add_errors(parsed.errors());
        continue;
      }
      if (!errors.empty())
        continue; // nothing will be stored: only look for more problems
      const Transcript &t = *parsed;
      if (auto stored = internal::transcript_document(*db_, t.id)) {
        if (*stored == serialize_transcript(t, false))
          ++report.already_present;
        else
          add_errors({Error{where, "/id", "",
                            "transcript " + single_quoted(t.id) + " differs from the one " + path_ +
                                " holds under this id"}});
        continue;
      }
      if (!t.run_id.empty() && !created_runs.count(t.run_id) &&
          !db_->prepare("SELECT 1 FROM runs WHERE id = ?1").bind(1, t.run_id).step()) {
        db_->prepare("INSERT INTO runs (id, created_at, updated_at, config_json, status,"
                     " shard_count, notes) VALUES (?1, " IMC_STORE_NOW ", " IMC_STORE_NOW
                     ", '{}', 'complete', 1, ?2)")
            .bind(1, t.run_id)
            .bind(2, "created by importing " + source_name)
            .run();
        db_->prepare("INSERT INTO run_shards (run_id, shard_index, updated_at)"
                     " VALUES (?1, 0, " IMC_STORE_NOW ")")
            .bind(1, t.run_id)
            .run();
        created_runs.insert(t.run_id);
      }
      if (auto ok = internal::insert_transcript(*db_, t, where); !ok) {
        add_errors(ok.errors());
        continue;
      }
      ++report.imported;
    }
    if (in.bad())
      add_errors({input_error(source_name, "reading failed")});
    if (!errors.empty()) {
      if (suppressed)
        errors.push_back(
            input_error(source_name, "and " + std::to_string(suppressed) + " more problems"));
      return errors; // the transaction rolls back: nothing of the file is stored
    }
    // A run the import created counts what it holds.
    for (const std::string &run : created_runs)
      db_->prepare("UPDATE run_shards SET"
                   " planned = (SELECT count(*) FROM transcripts WHERE run_id = ?1),"
                   " completed = (SELECT count(*) FROM transcripts"
                   "              WHERE run_id = ?1 AND state = 'complete'),"
                   " failed = (SELECT count(*) FROM transcripts"
                   "           WHERE run_id = ?1 AND state = 'failed')"
                   " WHERE run_id = ?1")
          .bind(1, run)
          .run();
    tx.commit();
    report.runs_created.assign(created_runs.begin(), created_runs.end());
    return report;
  });
}

} // namespace imc::store
