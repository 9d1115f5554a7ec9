// Fuzzes EventStreamDecoder: any split decodes the same messages and the same error; every
// decoded message re-encodes to exactly the bytes it came from.
#include "fuzz_support.h"
#include "imc/eventstream.h"

namespace {

struct Outcome {
  std::vector<imc::EventStreamMessage> messages;
  std::string error;
};

Outcome decode(std::string_view data, const std::vector<size_t> &cuts) {
  imc::EventStreamDecoder decoder(1 << 20);
  Outcome out;
  size_t at = 0;
  for (size_t cut : cuts) {
    decoder.feed(data.substr(at, cut - at), out.messages);
    at = cut;
  }
  decoder.feed(data.substr(at), out.messages);
  out.error = decoder.error();
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string_view bytes = imc::fuzz::as_text(data, size);
  const Outcome whole = decode(bytes, {});
  const Outcome split = decode(bytes, imc::fuzz::cuts_for(bytes));
  imc::fuzz::require(split.messages == whole.messages && split.error == whole.error,
                     "pseudo-random split changes nothing");
  if (size <= 2048) {
    const Outcome bytewise = decode(bytes, imc::fuzz::every_byte(bytes));
    imc::fuzz::require(bytewise.messages == whole.messages && bytewise.error == whole.error,
                       "byte-by-byte feed changes nothing");
  }
  size_t at = 0;
  for (const auto &message : whole.messages) {
    const auto frame = imc::encode_event_stream_message(message);
    imc::fuzz::require(frame.has_value(), "a decoded message can be encoded");
    imc::fuzz::require(bytes.substr(at, frame->size()) == *frame, "re-encoding is exact");
    at += frame->size();
  }
  return 0;
}
