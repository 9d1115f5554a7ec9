// The jury's state machine (jury.h).
#include "imc/jury.h"

#include "format_rules.h"
#include "imc/sha256.h"
#include "imc/timestamp.h"
#include "imc/verdict_parsing.h"

#include <algorithm>

namespace imc {

namespace {

constexpr const char *kConfigSource = "jury config";
constexpr const char *kEmptyReplyText = "(no reply)"; // providers reject empty turns
constexpr const char *kStoppedReason = "stopped by the user";
constexpr size_t kVerdictIdHexDigits = 24;

std::string joined_messages(const Errors &errors) {
  std::string out;
  for (const auto &e : errors)
    out += (out.empty() ? "" : "; ") + e.message();
  return out;
}

std::string quoted(const std::string &s) { return s.empty() ? "an empty string" : "\"" + s + "\""; }

std::string failure_text(const StreamError &error) {
  return std::string(to_string(error.kind)) + (error.message.empty() ? "" : ": " + error.message);
}

// The record of a reply that held no valid verdict.
void mark_unparseable(JurorVerdict &v, const std::vector<std::string> &replies,
                      const std::string &problem) {
  v.status = VerdictStatus::unparseable;
  v.score.reset();
  v.raw_output = replies.back();
  v.rationale = "No valid verdict" + std::string(replies.size() > 1 ? " after a re-ask" : "") +
                " (" + problem + ").";
  if (replies.size() > 1)
    v.rationale += " First reply: " + (replies.front().empty() ? "(empty)" : replies.front());
}

} // namespace

const char *to_string(JuryMode v) { return v == JuryMode::combined ? "combined" : "per_dimension"; }

std::optional<JuryMode> parse_jury_mode(std::string_view s) {
  if (s == "per_dimension")
    return JuryMode::per_dimension;
  if (s == "combined")
    return JuryMode::combined;
  return std::nullopt;
}

Status validate_jury_config(const JuryConfig &c) {
  Errors errors;
  const auto check = [&](bool ok, std::string pointer, const char *expected, std::string found) {
    if (!ok)
      errors.push_back({kConfigSource, std::move(pointer), expected, std::move(found)});
  };
  check(!c.panel.empty(), "/panel", "at least one juror", "an empty panel");
  for (size_t i = 0; i < c.panel.size(); ++i) {
    const JurorEndpoint &j = c.panel[i];
    const std::string at = "/panel/" + std::to_string(i);
    check(detail::is_endpoint_name(j.endpoint), at + "/endpoint",
          "an endpoint name matching [A-Za-z0-9._-]+", quoted(j.endpoint));
    const bool repeated =
        std::any_of(c.panel.begin(), c.panel.begin() + std::ptrdiff_t(i),
                    [&](const JurorEndpoint &o) { return o.endpoint == j.endpoint; });
    check(!repeated, at + "/endpoint", "an endpoint not already in the panel", quoted(j.endpoint));
    check(!j.model.empty(), at + "/model", "the juror's model id", "an empty string");
    const ChatParameters &p = j.parameters;
    check(!p.temperature || (*p.temperature >= 0 && *p.temperature <= 2), at + "/temperature",
          "a number in 0..2", std::to_string(p.temperature.value_or(0)));
    check(!p.max_tokens || *p.max_tokens >= 1, at + "/max_tokens", "an integer >= 1",
          std::to_string(p.max_tokens.value_or(0)));
    check(!p.top_p || (*p.top_p >= 0 && *p.top_p <= 1), at + "/top_p", "a number in 0..1",
          std::to_string(p.top_p.value_or(0)));
  }
  check(c.call_timeout_ms >= 0, "/call_timeout_ms", "an integer >= 0 (0 = no extra limit)",
        std::to_string(c.call_timeout_ms));
  if (!errors.empty())
    return errors;
  return ok_status();
}

// ---------------------------------------------------------------------------------------------

Jury::Jury(JuryConfig config, Transcript transcript, Case patient_case)
    : config_(std::move(config)), transcript_(std::move(transcript)),
      case_(std::move(patient_case)) {}

JuryResult Jury::result() const {
  std::vector<std::string> panel;
  for (const auto &j : config_.panel)
    panel.push_back(j.endpoint);
  return aggregate_verdicts(transcript_.id, verdicts_, panel);
}

size_t Jury::calls_in_flight() const {
  return size_t(std::count_if(tasks_.begin(), tasks_.end(),
                              [](const Task &t) { return !t.call_id.empty(); }));
}

std::string Jury::prompt_for(size_t juror, Dimension dimension) const {
  for (const auto &t : tasks_)
    if (t.juror == juror && (!t.dimension || *t.dimension == dimension))
      return t.prompt;
  return "";
}

std::vector<JuryEffect> Jury::handle(const JuryEvent &event) {
  events_.push_back(event);
  Effects out;
  if (finished_)
    return out;
  std::visit(
      [&](const auto &e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, Begin>)
          begin(e, out);
        else if constexpr (std::is_same_v<E, StreamDelta>)
          stream_delta(e);
        else if constexpr (std::is_same_v<E, CallDone>)
          call_done(e, out);
        else if constexpr (std::is_same_v<E, CallFailed>)
          call_failed(e, out);
        else if constexpr (std::is_same_v<E, Stop>)
          stop(e, out);
        // CallStarted carries nothing a verdict records; HumanTurn is not a jury's event.
      },
      event);
  return out;
}

void Jury::begin(const Begin &e, Effects &out) {
  if (started_)
    return;
  started_ = true;
  begun_at_ms_ = e.at_ms;
  const auto fail = [&](const std::string &why) {
    finished_ = true;
    out.push_back(JuryFinished{false, "config: " + why});
  };
  if (auto valid = validate_jury_config(config_); !valid)
    return fail(joined_messages(valid.errors()));
  if (!detail::is_identifier(transcript_.id))
    return fail("transcript id " + quoted(transcript_.id) + " is not an identifier");
  if (transcript_.case_id != case_.id)
    return fail("the transcript is of case " + quoted(transcript_.case_id) + ", the reference of " +
                quoted(case_.id));
  if (std::none_of(transcript_.turns.begin(), transcript_.turns.end(),
                   [](const Turn &t) { return t.role == Role::clinician; }))
    return fail("the transcript has no clinician turn to judge");

  const PromptVariables variables = juror_prompt_variables(transcript_, case_);
  for (size_t j = 0; j < config_.panel.size(); ++j) {
    if (config_.mode == JuryMode::combined) {
      tasks_.push_back(Task{j, std::nullopt, {}, {}, 0, {}, {}, false});
    } else {
      for (const Dimension d : kDimensions)
        tasks_.push_back(Task{j, d, {}, {}, 0, {}, {}, false});
    }
  }
  for (auto &task : tasks_) {
    const PromptTemplate &rubric =
        task.dimension ? config_.rubrics.for_dimension(*task.dimension) : config_.rubrics.combined;
    auto prompt = render_prompt(rubric, variables);
    if (!prompt)
      return fail(joined_messages(prompt.errors()));
    task.prompt = std::move(prompt.value());
  }
  if (config_.reask_on_invalid) // checked now, so a broken template fails before any call
    if (auto reask = render_reask(config_.rubrics.reask, "check", true); !reask)
      return fail(joined_messages(reask.errors()));
  for (auto &task : tasks_)
    issue_call(task, out);
}

Jury::Task *Jury::task_of(const std::string &call_id) {
  if (call_id.empty())
    return nullptr;
  for (auto &t : tasks_)
    if (t.call_id == call_id)
      return &t;
  return nullptr;
}

void Jury::issue_call(Task &task, Effects &out) {
  const JurorEndpoint &juror = config_.panel[task.juror];
  ChatRequest request;
  request.parameters = juror.parameters;
  request.turns.push_back(user_text(task.prompt));
  if (!task.replies.empty()) { // the re-ask: the unreadable reply, then what was wrong with it
    const std::string &reply = task.replies.back();
    request.turns.push_back(assistant_text(reply.empty() ? kEmptyReplyText : reply));
    std::string problem;
    if (task.dimension) {
      problem = read_juror_reply(reply, *task.dimension).problem;
    } else {
      const auto read = read_combined_juror_reply(reply);
      for (const Dimension d : kDimensions)
        if (!read[size_t(d)].ok())
          problem += (problem.empty() ? "" : "; ") + std::string(to_string(d)) + ": " +
                     read[size_t(d)].problem;
    }
    // Rendered once at Begin already, so this cannot fail.
    request.turns.push_back(
        user_text(render_reask(config_.rubrics.reask, problem, !task.dimension).value()));
  }
  task.call_id = "jury-" + std::to_string(++calls_issued_);
  task.reply.clear();
  ++task.attempts;
  out.push_back(JurorCall{task.call_id, task.juror, juror.endpoint, task.dimension, task.attempts,
                          std::move(request), config_.call_timeout_ms});
}

void Jury::stream_delta(const StreamDelta &e) {
  if (Task *task = task_of(e.call_id))
    task->reply += e.text;
}

void Jury::call_done(const CallDone &e, Effects &out) {
  Task *task = task_of(e.call_id);
  if (!task)
    return;
  task->call_id.clear();
  task->replies.push_back(std::move(task->reply));
  task->reply.clear();
  if (task->dimension)
    finish_per_dimension(*task, e.at_ms, out);
  else
    finish_combined(*task, e.at_ms, out);
  finish_if_done(out);
}

void Jury::call_failed(const CallFailed &e, Effects &out) {
  Task *task = task_of(e.call_id);
  if (!task)
    return;
  task->call_id.clear();
  fail_task(*task, e.error, e.at_ms, out);
  finish_if_done(out);
}

void Jury::stop(const Stop &e, Effects &out) {
  if (!started_)
    return;
  for (auto &task : tasks_)
    if (!task.call_id.empty()) {
      out.push_back(CancelCall{task.call_id});
      task.call_id.clear();
    }
  finished_ = true;
  out.push_back(JuryFinished{false, e.reason.empty() ? kStoppedReason : e.reason});
}

const PromptTemplate &Jury::rubric_of(const Task &task, Dimension d) const {
  return task.dimension ? config_.rubrics.for_dimension(d) : config_.rubrics.combined;
}

JurorVerdict Jury::new_verdict(const Task &task, Dimension d, int64_t at_ms) const {
  const JurorEndpoint &juror = config_.panel[task.juror];
  JurorVerdict v;
  v.transcript_id = transcript_.id;
  v.juror_endpoint = juror.endpoint;
  v.juror_model = juror.model;
  v.dimension = d;
  v.attempts = task.attempts;
  v.rubric_hash = rubric_of(task, d).hash();
  v.created_at = format_rfc3339_ms(at_ms);
  const std::string key = transcript_.id + "\n" + juror.endpoint + "\n" + juror.model + "\n" +
                          to_string(d) + "\n" + v.rubric_hash + "\n" + std::to_string(begun_at_ms_);
  v.id = "v-" + sha256_hex(key).substr(0, kVerdictIdHexDigits);
  return v;
}

void Jury::finish_per_dimension(Task &task, int64_t at_ms, Effects &out) {
  const Dimension d = *task.dimension;
  const ReadScore read = read_juror_reply(task.replies.back(), d);
  if (!read.ok() && config_.reask_on_invalid && task.attempts < 2)
    return issue_call(task, out);
  task.done = true;
  JurorVerdict v = new_verdict(task, d, at_ms);
  if (read.ok()) {
    v.status = VerdictStatus::ok;
    v.score = read.score;
    v.rationale = read.rationale;
    v.raw_output = task.replies.back();
  } else {
    mark_unparseable(v, task.replies, read.problem);
  }
  record(std::move(v), out);
}

void Jury::finish_combined(Task &task, int64_t at_ms, Effects &out) {
  std::vector<std::array<ReadScore, 3>> reads;
  for (const auto &reply : task.replies)
    reads.push_back(read_combined_juror_reply(reply));
  const bool all_ok = std::all_of(reads.back().begin(), reads.back().end(),
                                  [](const ReadScore &r) { return r.ok(); });
  if (!all_ok && config_.reask_on_invalid && task.attempts < 2)
    return issue_call(task, out);
  task.done = true;
  for (const Dimension d : kDimensions) {
    JurorVerdict v = new_verdict(task, d, at_ms);
    // The latest reply with a valid score for d.
    size_t from = reads.size();
    while (from > 0 && !reads[from - 1][size_t(d)].ok())
      --from;
    if (from > 0) {
      const ReadScore &read = reads[from - 1][size_t(d)];
      v.status = VerdictStatus::ok;
      v.score = read.score;
      v.rationale = read.rationale;
      v.raw_output = task.replies[from - 1];
    } else {
      mark_unparseable(v, task.replies, reads.back()[size_t(d)].problem);
    }
    record(std::move(v), out);
  }
}

void Jury::fail_task(Task &task, const StreamError &error, int64_t at_ms, Effects &out) {
  task.done = true;
  // In combined mode a dimension the first reply already scored keeps that score.
  std::array<ReadScore, 3> earlier{};
  if (!task.dimension && !task.replies.empty())
    earlier = read_combined_juror_reply(task.replies.back());
  for (const Dimension d : kDimensions) {
    if (task.dimension && *task.dimension != d)
      continue;
    JurorVerdict v = new_verdict(task, d, at_ms);
    if (earlier[size_t(d)].ok()) {
      v.status = VerdictStatus::ok;
      v.score = earlier[size_t(d)].score;
      v.rationale = earlier[size_t(d)].rationale;
      v.raw_output = task.replies.back();
    } else {
      v.status = VerdictStatus::error;
      v.rationale = failure_text(error);
      if (!task.replies.empty())
        v.rationale = "re-ask failed: " + v.rationale;
      // The last complete reply if there was one, else whatever arrived before the failure.
      v.raw_output = task.replies.empty() ? task.reply : task.replies.back();
    }
    record(std::move(v), out);
  }
  task.reply.clear();
}

void Jury::record(JurorVerdict verdict, Effects &out) {
  verdicts_.push_back(verdict);
  out.push_back(VerdictRecorded{std::move(verdict)});
}

void Jury::finish_if_done(Effects &out) {
  if (std::all_of(tasks_.begin(), tasks_.end(), [](const Task &t) { return t.done; })) {
    finished_ = true;
    out.push_back(JuryFinished{true, ""});
  }
}

} // namespace imc
