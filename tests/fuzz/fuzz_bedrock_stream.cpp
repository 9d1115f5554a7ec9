// Fuzzes the Bedrock Converse decoders: the eventstream (ConverseStream) and the whole-body path
// (JSON reply, error statuses), with the checks of fuzz_support.h.
//
// Random bytes rarely carry valid CRCs, so the input is also read a second way: NUL-separated
// records "event-type|payload" (or "!exception-type|payload") framed with correct CRCs, which
// lets mutations reach the event handling behind the framing.
#include "fuzz_support.h"
#include "imc/eventstream.h"

namespace {

std::string reframed(std::string_view data) {
  std::string stream;
  while (!data.empty()) {
    const size_t end = data.find('\0');
    std::string_view record = data.substr(0, end);
    data = end == std::string_view::npos ? std::string_view{} : data.substr(end + 1);
    const size_t bar = record.find('|');
    std::string_view type = record.substr(0, bar);
    const std::string_view payload =
        bar == std::string_view::npos ? std::string_view{} : record.substr(bar + 1);
    const bool exception = !type.empty() && type.front() == '!';
    if (exception)
      type.remove_prefix(1);
    imc::EventStreamMessage m;
    m.headers.push_back(imc::EventStreamHeader::string_value(
        exception ? ":exception-type" : ":event-type", std::string(type.substr(0, 255))));
    m.headers.push_back(
        imc::EventStreamHeader::string_value(":message-type", exception ? "exception" : "event"));
    m.payload = std::string(payload);
    if (auto frame = imc::encode_event_stream_message(m))
      stream += *frame;
  }
  return stream;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string_view bytes = imc::fuzz::as_text(data, size);
  constexpr std::string_view kEventStream = "application/vnd.amazon.eventstream";
  imc::fuzz::check_provider(imc::Protocol::bedrock, kEventStream, bytes);
  imc::fuzz::check_provider(imc::Protocol::bedrock, kEventStream, reframed(bytes));
  return 0;
}
