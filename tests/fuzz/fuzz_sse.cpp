// Fuzzes SseParser: any split of the input gives the same events and the same end state, and a
// small event-size limit fails cleanly.
#include "fuzz_support.h"
#include "imc/sse.h"

namespace {

struct Outcome {
  std::vector<std::string> events;
  imc::SseEnd end;
  bool ok;
};

// The handler form of feed() (each event as it completes, in the parser's reused buffers).
struct Collect final : imc::SseParser::Handler {
  std::vector<imc::SseEvent> events;
  void on_sse_event(const imc::SseEvent &event) override { events.push_back(event); }
};

// `handler`: through the handler form instead of the list form.
Outcome parse(std::string_view data, const std::vector<size_t> &cuts, size_t limit,
              bool handler = false) {
  imc::SseParser parser(limit);
  std::vector<imc::SseEvent> events;
  Collect collect;
  auto feed = [&](std::string_view bytes) {
    return handler ? parser.feed(bytes, collect) : parser.feed(bytes, events);
  };
  bool ok = true;
  size_t at = 0;
  for (size_t cut : cuts) {
    ok = feed(data.substr(at, cut - at)) && ok;
    at = cut;
  }
  ok = feed(data.substr(at)) && ok;
  if (handler)
    events = std::move(collect.events);
  Outcome out{{}, parser.finish(), ok};
  for (const auto &e : events) {
    imc::fuzz::require(e.data.size() <= limit, "no event beyond the limit");
    out.events.push_back(e.type + '\x1F' + e.data + '\x1F' + e.last_event_id);
  }
  return out;
}

bool same(const Outcome &a, const Outcome &b) {
  return a.events == b.events && a.end == b.end && a.ok == b.ok;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string_view text = imc::fuzz::as_text(data, size);
  const Outcome whole = parse(text, {}, imc::SseParser::kDefaultMaxEventBytes);
  imc::fuzz::require(whole.ok, "within the default limit");
  imc::fuzz::require(
      same(parse(text, imc::fuzz::cuts_for(text), imc::SseParser::kDefaultMaxEventBytes), whole),
      "pseudo-random split changes nothing");
  imc::fuzz::require(
      same(parse(text, imc::fuzz::cuts_for(text), imc::SseParser::kDefaultMaxEventBytes, true),
           whole),
      "the handler form gives the same events");
  imc::fuzz::require(same(parse(text, {}, 64, true), parse(text, {}, 64)),
                     "the handler form fails at the same limit");
  if (size <= 4096)
    imc::fuzz::require(
        same(parse(text, imc::fuzz::every_byte(text), imc::SseParser::kDefaultMaxEventBytes),
             whole),
        "byte-by-byte feed changes nothing");
  const Outcome small = parse(text, {}, 64);
  if (small.ok)
    imc::fuzz::require(small.events == whole.events, "a limit only ever fails");
  return 0;
}
