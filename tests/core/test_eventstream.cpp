// AWS eventstream framing: encoder/decoder round trips, AWS's reference frames, corruption.
#include "imc/base64.h"
#include "imc/crc32.h"
#include "imc/eventstream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace imc {
namespace {

std::string from_hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

EventStreamMessage sample_message() {
  EventStreamMessage m;
  m.headers.push_back(EventStreamHeader::string_value(":event-type", "contentBlockDelta"));
  m.headers.push_back(EventStreamHeader::string_value(":content-type", "application/json"));
  m.headers.push_back(EventStreamHeader::string_value(":message-type", "event"));
  m.payload = R"({"contentBlockIndex":0,"delta":{"text":"Hello"},"p":"abcdefgh"})";
  return m;
}

EventStreamMessage every_header_type() {
  EventStreamMessage m;
  m.headers.push_back(EventStreamHeader::boolean("t", true));
  m.headers.push_back(EventStreamHeader::boolean("f", false));
  m.headers.push_back(EventStreamHeader::integer("byte", EventStreamHeaderType::byte, -5));
  m.headers.push_back(EventStreamHeader::integer("short", EventStreamHeaderType::int16, -30000));
  m.headers.push_back(EventStreamHeader::integer("int", EventStreamHeaderType::int32, 2000000000));
  m.headers.push_back(
      EventStreamHeader::integer("long", EventStreamHeaderType::int64, -9000000000000000000));
  EventStreamHeader bytes;
  bytes.name = "bytes";
  bytes.type = EventStreamHeaderType::bytes;
  bytes.bytes = std::string("\0\x01\xFF", 3);
  m.headers.push_back(bytes);
  m.headers.push_back(EventStreamHeader::string_value("string", "caf\xC3\xA9"));
  m.headers.push_back(
      EventStreamHeader::integer("time", EventStreamHeaderType::timestamp, 1767225600123));
  EventStreamHeader uuid;
  uuid.name = "uuid";
  uuid.type = EventStreamHeaderType::uuid;
  uuid.bytes = from_hex("0123456789abcdef0123456789abcdef");
  m.headers.push_back(uuid);
  m.payload = std::string("binary\0payload", 14);
  return m;
}

std::vector<EventStreamMessage> decode_all(std::string_view bytes, std::string *error = nullptr) {
  EventStreamDecoder decoder;
  std::vector<EventStreamMessage> out;
  if (!decoder.feed(bytes, out) && error)
    *error = decoder.error();
  return out;
}

TEST(Crc32, MatchesTheStandardCheckValue) {
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);
  EXPECT_EQ(crc32(""), 0u);
}

TEST(Crc32, ContinuesAcrossPieces) { EXPECT_EQ(crc32("6789", crc32("12345")), 0xCBF43926u); }

TEST(Base64, EncodesEveryPaddingCase) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xFF\xFE\x00", 3)), "//4A");
}

TEST(Base64, DecodesWhatItEncodesAndRejectsTheRest) {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  EXPECT_EQ(base64_decode(base64_encode(all)), all);
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_FALSE(base64_decode("Zm8"));
  EXPECT_FALSE(base64_decode("Zm=8"));
  EXPECT_FALSE(base64_decode("Zm9v\n"));
  EXPECT_FALSE(base64_decode("Z==="));
}

// AWS's reference frame (aws-c-event-stream tests): one string header
// content-type: application/json and payload {'foo':'bar'}; CRCs 0x07fd8396 and 0x8d9c08b1.
constexpr std::string_view kAwsReferenceFrame =
    "0000003d0000002007fd83960c636f6e74656e742d747970650700106170706c69636174696f6e2f6a736f6e"
    "7b27666f6f273a27626172277d8d9c08b1";

TEST(EventStreamDecoder, DecodesAwsReferenceFrame) {
  std::string error;
  const auto messages = decode_all(from_hex(kAwsReferenceFrame), &error);
  EXPECT_EQ(error, "");
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].string_header("content-type"), "application/json");
  EXPECT_EQ(messages[0].payload, "{'foo':'bar'}");
}

TEST(EventStreamEncoder, ReproducesAwsReferenceFrames) {
  EventStreamMessage m;
  m.headers.push_back(EventStreamHeader::string_value("content-type", "application/json"));
  m.payload = "{'foo':'bar'}";
  EXPECT_EQ(encode_event_stream_message(m), from_hex(kAwsReferenceFrame));
  // No headers: total 30, prelude CRC 0xbaf2f68a, message CRC 0xae7258e4.
  EventStreamMessage bare;
  bare.payload = R"({"foo": "bar"})";
  EXPECT_EQ(encode_event_stream_message(bare),
            from_hex("0000001e00000000baf2f68a7b22666f6f223a2022626172227dae7258e4"));
}

TEST(EventStreamEncoder, EmptyMessageIsSixteenBytes) {
  const auto frame = encode_event_stream_message({});
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->size(), 16u);
  EXPECT_EQ(decode_all(*frame).size(), 1u);
}

TEST(EventStreamDecoder, RoundTripsEveryHeaderType) {
  const auto frame = encode_event_stream_message(every_header_type());
  ASSERT_TRUE(frame);
  const auto messages = decode_all(*frame);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0], every_header_type());
}

TEST(EventStreamDecoder, DecodesTheSameAtEverySplit) {
  std::string stream = *encode_event_stream_message(sample_message()) +
                       *encode_event_stream_message(every_header_type()) +
                       *encode_event_stream_message(sample_message());
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    EventStreamDecoder decoder;
    std::vector<EventStreamMessage> out;
    ASSERT_TRUE(decoder.feed(std::string_view(stream).substr(0, cut), out));
    ASSERT_TRUE(decoder.feed(std::string_view(stream).substr(cut), out));
    ASSERT_EQ(out.size(), 3u) << "split at " << cut;
    EXPECT_EQ(out[1], every_header_type());
    EXPECT_FALSE(decoder.mid_message());
  }
  EventStreamDecoder decoder;
  std::vector<EventStreamMessage> out;
  for (char c : stream)
    ASSERT_TRUE(decoder.feed(std::string_view(&c, 1), out));
  EXPECT_EQ(out.size(), 3u);
}

TEST(EventStreamDecoder, DetectsAMessageCrcMismatch) {
  std::string frame = from_hex(kAwsReferenceFrame);
  frame[frame.size() - 20] ^= 0x01; // a payload byte
  std::string error;
  EXPECT_TRUE(decode_all(frame, &error).empty());
  EXPECT_EQ(error.rfind("message CRC mismatch (expected 0x8d9c08b1, found 0x", 0), 0u) << error;
}

TEST(EventStreamDecoder, DetectsAPreludeCrcMismatchBeforeWaitingForTheBody) {
  std::string frame = from_hex(kAwsReferenceFrame);
  frame[2] = '\x7F'; // total length now ~8 MB: must not be waited for
  EventStreamDecoder decoder;
  std::vector<EventStreamMessage> out;
  EXPECT_FALSE(decoder.feed(std::string_view(frame).substr(0, 12), out));
  EXPECT_NE(decoder.error().find("prelude CRC mismatch"), std::string::npos);
  EXPECT_FALSE(decoder.feed("more", out)); // stays failed
}

std::string frame_with_lengths(uint32_t total, uint32_t headers) {
  std::string prelude;
  for (uint32_t v : {total, headers})
    for (int i = 3; i >= 0; --i)
      prelude += static_cast<char>((v >> (8 * i)) & 0xFF);
  const uint32_t crc = crc32(prelude);
  for (int i = 3; i >= 0; --i)
    prelude += static_cast<char>((crc >> (8 * i)) & 0xFF);
  return prelude;
}

TEST(EventStreamDecoder, RejectsLengthsThatCannotBeTrue) {
  for (auto [total, headers] :
       std::vector<std::pair<uint32_t, uint32_t>>{{15, 0}, {0, 0}, {20, 5}, {16, 0xFFFFFFFF}}) {
    EventStreamDecoder decoder;
    std::vector<EventStreamMessage> out;
    EXPECT_FALSE(decoder.feed(frame_with_lengths(total, headers), out)) << total << "/" << headers;
    EXPECT_NE(decoder.error().find("malformed message lengths"), std::string::npos);
  }
}

TEST(EventStreamDecoder, RefusesAMessageOverTheCapFromItsPrelude) {
  EventStreamDecoder decoder(1024);
  std::vector<EventStreamMessage> out;
  EXPECT_FALSE(decoder.feed(frame_with_lengths(0xFFFFFFF0u, 0), out));
  EXPECT_NE(decoder.error().find("exceeds the limit of 1024"), std::string::npos);
}

TEST(EventStreamDecoder, ReportsTruncatedFrameAsMidMessage) {
  const std::string frame = *encode_event_stream_message(sample_message());
  EventStreamDecoder decoder;
  std::vector<EventStreamMessage> out;
  EXPECT_TRUE(decoder.feed(std::string_view(frame).substr(0, frame.size() - 1), out));
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(decoder.mid_message());
  EXPECT_TRUE(decoder.feed(std::string_view(frame).substr(frame.size() - 1), out));
  EXPECT_FALSE(decoder.mid_message());
  EXPECT_EQ(out.size(), 1u);
}

// A frame whose headers section is internally broken, with valid CRCs around it.
std::string frame_with_headers(std::string headers) {
  std::string frame = frame_with_lengths(static_cast<uint32_t>(16 + headers.size()),
                                         static_cast<uint32_t>(headers.size()));
  frame += headers;
  const uint32_t crc = crc32(frame);
  for (int i = 3; i >= 0; --i)
    frame += static_cast<char>((crc >> (8 * i)) & 0xFF);
  return frame;
}

TEST(EventStreamDecoder, RejectsMalformedHeaders) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {std::string("\x00", 1), "malformed header"}, // empty name
      {std::string("\x05"
                   "ab",
                   3),
       "malformed header"}, // name past the end
      {std::string("\x01"
                   "a\x0A",
                   3),
       "unknown header type 10"},
      {std::string("\x01"
                   "a\x04\x00\x01",
                   5),
       "truncated value"}, // int32 with 2 bytes
      {std::string("\x01"
                   "a\x07\x00\x09"
                   "abc",
                   8),
       "truncated value"},
      {std::string("\x01"
                   "a\x07\x00",
                   4),
       "truncated value"}, // no room for the length
      {std::string("\x01"
                   "a\x09"
                   "0123",
                   7),
       "truncated value"}, // short uuid
  };
  for (const auto &[headers, expected] : cases) {
    std::string error;
    EXPECT_TRUE(decode_all(frame_with_headers(headers), &error).empty());
    EXPECT_NE(error.find(expected), std::string::npos) << error;
  }
}

TEST(EventStreamEncoder, RefusesUnrepresentableHeaders) {
  EventStreamMessage m;
  m.headers.push_back(EventStreamHeader::string_value(std::string(256, 'n'), "v"));
  EXPECT_FALSE(encode_event_stream_message(m));
  m.headers[0] = EventStreamHeader::string_value("n", std::string(70000, 'v'));
  EXPECT_FALSE(encode_event_stream_message(m));
  m.headers[0].type = EventStreamHeaderType::uuid;
  m.headers[0].bytes = "short";
  EXPECT_FALSE(encode_event_stream_message(m));
}

} // namespace
} // namespace imc
