#include "imc/eventstream.h"

#include <cstdio>

namespace imc {

namespace {

constexpr size_t kPreludeBytes = 12; // total length, headers length, prelude CRC
constexpr size_t kOverheadBytes = kPreludeBytes + 4;

uint64_t read_be(std::string_view s, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v = v << 8 | static_cast<unsigned char>(s[at + i]);
  return v;
}

void write_be(std::string &out, uint64_t v, size_t n) {
  for (size_t i = n; i-- > 0;)
    out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

// Width of the fixed-size value types; 0 for bool, -1 for length-prefixed or unknown types.
int fixed_width(EventStreamHeaderType type) {
  switch (type) {
  case EventStreamHeaderType::bool_true:
  case EventStreamHeaderType::bool_false:
    return 0;
  case EventStreamHeaderType::byte:
    return 1;
  case EventStreamHeaderType::int16:
    return 2;
  case EventStreamHeaderType::int32:
    return 4;
  case EventStreamHeaderType::int64:
  case EventStreamHeaderType::timestamp:
    return 8;
  case EventStreamHeaderType::uuid:
    return 16;
  default:
    return -1;
  }
}

// Sign-extends the low `bytes` bytes of v.
int64_t sign_extend(uint64_t v, int bytes) {
  if (bytes >= 8)
    return static_cast<int64_t>(v);
  const uint64_t sign = uint64_t{1} << (bytes * 8 - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

std::string hex32(uint32_t v) {
  char buf[11];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Message

EventStreamHeader EventStreamHeader::string_value(std::string name, std::string value) {
  EventStreamHeader h;
  h.name = std::move(name);
  h.type = EventStreamHeaderType::string;
  h.bytes = std::move(value);
  return h;
}

EventStreamHeader EventStreamHeader::integer(std::string name, EventStreamHeaderType type,
                                             int64_t value) {
  EventStreamHeader h;
  h.name = std::move(name);
  h.type = type;
  h.number = value;
  return h;
}

EventStreamHeader EventStreamHeader::boolean(std::string name, bool value) {
  return integer(std::move(name),
                 value ? EventStreamHeaderType::bool_true : EventStreamHeaderType::bool_false,
                 value ? 1 : 0);
}

bool operator==(const EventStreamHeader &a, const EventStreamHeader &b) {
  return a.name == b.name && a.type == b.type && a.number == b.number && a.bytes == b.bytes;
}

const EventStreamHeader *EventStreamMessage::find(std::string_view name) const {
  for (const auto &h : headers)
    if (h.name == name)
      return &h;
  return nullptr;
}

std::string EventStreamMessage::string_header(std::string_view name) const {
  const auto *h = find(name);
  return h && h->type == EventStreamHeaderType::string ? h->bytes : std::string();
}

bool operator==(const EventStreamMessage &a, const EventStreamMessage &b) {
  return a.headers == b.headers && a.payload == b.payload;
}

std::optional<std::string> encode_event_stream_message(const EventStreamMessage &message) {
  std::string headers;
  for (const auto &h : message.headers) {
    if (h.name.empty() || h.name.size() > 255)
      return std::nullopt;
    headers += static_cast<char>(h.name.size());
    headers += h.name;
    headers += static_cast<char>(h.type);
    const int width = fixed_width(h.type);
    if (h.type == EventStreamHeaderType::uuid) {
      if (h.bytes.size() != 16)
        return std::nullopt;
      headers += h.bytes;
    } else if (width >= 0) {
      write_be(headers, static_cast<uint64_t>(h.number), static_cast<size_t>(width));
    } else if (h.type == EventStreamHeaderType::bytes || h.type == EventStreamHeaderType::string) {
      if (h.bytes.size() > 0xFFFF)
        return std::nullopt;
      write_be(headers, h.bytes.size(), 2);
      headers += h.bytes;
    } else {
      return std::nullopt;
    }
  }
  const uint64_t total = kOverheadBytes + headers.size() + message.payload.size();
  if (total > 0xFFFFFFFFu)
    return std::nullopt;
  std::string out;
  out.reserve(static_cast<size_t>(total));
  write_be(out, total, 4);
  write_be(out, headers.size(), 4);
  write_be(out, crc32(out), 4);
  out += headers;
  out += message.payload;
  write_be(out, crc32(out), 4);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decoder

EventStreamDecoder::EventStreamDecoder(uint32_t max_message_bytes)
    : max_message_bytes_(max_message_bytes) {}

bool EventStreamDecoder::fail(std::string message) {
  error_ = std::move(message);
  buffer_.clear();
  consumed_ = 0;
  return false;
}

bool EventStreamDecoder::feed(std::string_view bytes, std::vector<EventStreamMessage> &out) {
  if (failed())
    return false;
  buffer_.append(bytes);
  for (;;) {
    const std::string_view pending = std::string_view(buffer_).substr(consumed_);
    if (pending.size() < kPreludeBytes)
      break;
    const uint64_t total = read_be(pending, 0, 4);
    const uint64_t headers_length = read_be(pending, 4, 4);
    const uint32_t prelude_crc = static_cast<uint32_t>(read_be(pending, 8, 4));
    const uint32_t actual_prelude_crc = crc32(pending.substr(0, 8));
    // Check the prelude before trusting its lengths: a corrupt length must not make us wait
    // for (or allocate) gigabytes.
    if (prelude_crc != actual_prelude_crc)
      return fail("prelude CRC mismatch (expected " + hex32(prelude_crc) + ", found " +
                  hex32(actual_prelude_crc) + ")");
    if (total < kOverheadBytes || headers_length > total - kOverheadBytes)
      return fail("malformed message lengths (total " + std::to_string(total) + ", headers " +
                  std::to_string(headers_length) + ")");
    if (total > max_message_bytes_)
      return fail("message of " + std::to_string(total) + " bytes exceeds the limit of " +
                  std::to_string(max_message_bytes_));
    if (pending.size() < total)
      break;
    EventStreamMessage message;
    if (!decode_one(pending.substr(0, static_cast<size_t>(total)), message))
      return false;
    out.push_back(std::move(message));
    consumed_ += static_cast<size_t>(total);
  }
  // Drop decoded bytes once they are the larger part, so the buffer stays about one message.
  if (consumed_ > 0 && consumed_ >= buffer_.size() / 2) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  return true;
}

bool EventStreamDecoder::decode_one(std::string_view frame, EventStreamMessage &message) {
  const size_t total = frame.size();
  const uint32_t expected_crc = static_cast<uint32_t>(read_be(frame, total - 4, 4));
  const uint32_t actual_crc = crc32(frame.substr(0, total - 4));
  if (expected_crc != actual_crc)
    return fail("message CRC mismatch (expected " + hex32(expected_crc) + ", found " +
                hex32(actual_crc) + ")");
  const size_t headers_length = static_cast<size_t>(read_be(frame, 4, 4));
  const std::string_view headers = frame.substr(kPreludeBytes, headers_length);
  message.payload = std::string(
      frame.substr(kPreludeBytes + headers_length, total - kOverheadBytes - headers_length));
  size_t at = 0;
  const auto need = [&](size_t n) { return headers.size() - at >= n; };
  while (at < headers.size()) {
    EventStreamHeader h;
    const size_t name_length = static_cast<unsigned char>(headers[at++]);
    if (name_length == 0 || !need(name_length + 1))
      return fail("malformed header at byte " + std::to_string(at - 1) + " of the headers");
    h.name = std::string(headers.substr(at, name_length));
    at += name_length;
    const auto type_code = static_cast<unsigned char>(headers[at++]);
    if (type_code > 9)
      return fail("unknown header type " + std::to_string(type_code) + " for header " + h.name);
    h.type = static_cast<EventStreamHeaderType>(type_code);
    const int width = fixed_width(h.type);
    if (h.type == EventStreamHeaderType::bool_true || h.type == EventStreamHeaderType::bool_false) {
      h.number = h.type == EventStreamHeaderType::bool_true ? 1 : 0;
    } else if (h.type == EventStreamHeaderType::uuid) {
      if (!need(16))
        return fail("truncated value of header " + h.name);
      h.bytes = std::string(headers.substr(at, 16));
      at += 16;
    } else if (width > 0) {
      if (!need(static_cast<size_t>(width)))
        return fail("truncated value of header " + h.name);
      h.number = sign_extend(read_be(headers, at, static_cast<size_t>(width)), width);
      at += static_cast<size_t>(width);
    } else {
      if (!need(2))
        return fail("truncated value of header " + h.name);
      const size_t length = static_cast<size_t>(read_be(headers, at, 2));
      at += 2;
      if (!need(length))
        return fail("truncated value of header " + h.name);
      h.bytes = std::string(headers.substr(at, length));
      at += length;
    }
    message.headers.push_back(std::move(h));
  }
  return true;
}

} // namespace imc
