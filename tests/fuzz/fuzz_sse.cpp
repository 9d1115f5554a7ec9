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

Outcome parse(std::string_view data, const std::vector<size_t> &cuts, size_t limit) {
  imc::SseParser parser(limit);
  std::vector<imc::SseEvent> events;
  bool ok = true;
  size_t at = 0;
  for (size_t cut : cuts) {
    ok = parser.feed(data.substr(at, cut - at), events) && ok;
    at = cut;
  }
  ok = parser.feed(data.substr(at), events) && ok;
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
