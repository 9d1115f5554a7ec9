#pragma once
// AWS eventstream framing (content type application/vnd.amazon.eventstream), the binary stream
// of Bedrock ConverseStream. Each message, all integers big-endian:
//
//   total length (4) | headers length (4) | prelude CRC (4)      <- CRC-32 of the first 8 bytes
//   headers (headers length bytes) | payload
//   message CRC (4)                                               <- CRC-32 of all bytes before it
//
// A header is: name length (1) | name | type (1) | value, where the value is
//   0 bool true, 1 bool false (no bytes)  2 byte (1)  3 short (2)  4 int (4)  5 long (8)
//   6 bytes, 7 string (2-byte length + bytes)  8 timestamp (8, ms since epoch)  9 uuid (16)
//
// The decoder takes the stream in chunks split anywhere. Everything it reads is untrusted: bad
// CRCs, lengths that disagree, truncated headers and unknown header types are errors, never
// crashes; a message larger than the cap is refused from its prelude, before it is buffered.
#include "imc/crc32.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imc {

enum class EventStreamHeaderType : uint8_t {
  bool_true = 0,
  bool_false = 1,
  byte = 2,
  int16 = 3,
  int32 = 4,
  int64 = 5,
  bytes = 6,
  string = 7,
  timestamp = 8,
  uuid = 9
};

struct EventStreamHeader {
  std::string name;
  EventStreamHeaderType type = EventStreamHeaderType::string;
  int64_t number = 0; // bool (1/0), byte, int16, int32, int64, timestamp (ms since epoch)
  std::string bytes;  // bytes, string, uuid (16 bytes)

  static EventStreamHeader string_value(std::string name, std::string value);
  static EventStreamHeader integer(std::string name, EventStreamHeaderType type, int64_t value);
  static EventStreamHeader boolean(std::string name, bool value);
};

bool operator==(const EventStreamHeader &a, const EventStreamHeader &b);

struct EventStreamMessage {
  std::vector<EventStreamHeader> headers;
  std::string payload;

  // The first header called `name`, or nullptr.
  const EventStreamHeader *find(std::string_view name) const;
  // The value of a string header called `name`, or "" when absent or of another type.
  std::string string_header(std::string_view name) const;
};

bool operator==(const EventStreamMessage &a, const EventStreamMessage &b);

// One complete frame. Errors only when the message is not representable: a header name over
// 255 bytes, a string/bytes value over 65535 bytes, a uuid that is not 16 bytes.
std::optional<std::string> encode_event_stream_message(const EventStreamMessage &message);

class EventStreamDecoder {
public:
  static constexpr uint32_t kDefaultMaxMessageBytes = 16u << 20; // AWS's own cap: 16 MiB

  explicit EventStreamDecoder(uint32_t max_message_bytes = kDefaultMaxMessageBytes);

  // Decodes `bytes` and appends each message it completes to `out`. Returns false on a protocol
  // error (see error()); the decoder then ignores everything after.
  bool feed(std::string_view bytes, std::vector<EventStreamMessage> &out);

  bool failed() const { return !error_.empty(); }
  // What was wrong, e.g. "message CRC mismatch (expected 0x8d9c08b1, found 0x00000000)".
  const std::string &error() const { return error_; }
  // Bytes of an incomplete message are held: the stream would be truncated if it ended now.
  bool mid_message() const { return buffer_.size() > consumed_; }

private:
  bool fail(std::string message);
  bool decode_one(std::string_view frame, EventStreamMessage &message);

  uint32_t max_message_bytes_;
  std::string buffer_; // bytes not yet decoded start at consumed_
  size_t consumed_ = 0;
  std::string error_;
};

} // namespace imc
