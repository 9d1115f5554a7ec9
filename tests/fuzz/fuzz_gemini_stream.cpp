// Fuzzes the Gemini generateContent decoders: the SSE stream and the whole-body path
// (JSON reply, error statuses), with the checks of fuzz_support.h.
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  imc::fuzz::check_provider(imc::Protocol::gemini, "text/event-stream",
                            imc::fuzz::as_text(data, size));
  return 0;
}
