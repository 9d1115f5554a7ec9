// SseParser: the WHATWG event stream interpretation, over any split of the bytes.
#include "imc/sse.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace imc {
namespace {

struct Parsed {
  std::vector<SseEvent> events;
  SseEnd end = SseEnd::clean;
};

// The handler form of feed(): each event as it completes, in the parser's reused buffers.
struct Collect final : SseParser::Handler {
  std::vector<SseEvent> events;
  void on_sse_event(const SseEvent &event) override { events.push_back(event); }
};

std::vector<std::string> summary(const Parsed &p) {
  std::vector<std::string> out;
  for (const auto &e : p.events)
    out.push_back(e.type + "|" + e.data + "|" + e.last_event_id);
  out.push_back(p.end == SseEnd::clean ? "<clean>" : "<incomplete>");
  return out;
}

// Parses with the list form of feed(), and again with the handler form, which must agree.
Parsed parse_split(std::string_view bytes, const std::vector<size_t> &cuts) {
  SseParser parser, handled;
  Collect collect;
  Parsed out, by_handler;
  size_t at = 0;
  for (size_t cut : cuts) {
    EXPECT_TRUE(parser.feed(bytes.substr(at, cut - at), out.events));
    EXPECT_TRUE(handled.feed(bytes.substr(at, cut - at), collect));
    at = cut;
  }
  EXPECT_TRUE(parser.feed(bytes.substr(at), out.events));
  EXPECT_TRUE(handled.feed(bytes.substr(at), collect));
  out.end = parser.finish();
  by_handler.events = collect.events;
  by_handler.end = handled.finish();
  EXPECT_EQ(summary(by_handler), summary(out)) << "the handler form differs";
  return out;
}

// Parses in one piece, at every two-piece split, at every three-piece split of a short prefix,
// and byte by byte; all must agree. Returns the summary.
std::vector<std::string> parse_any_split(std::string_view bytes) {
  const auto reference = summary(parse_split(bytes, {}));
  for (size_t cut = 0; cut <= bytes.size(); ++cut)
    EXPECT_EQ(summary(parse_split(bytes, {cut})), reference) << "split at " << cut;
  for (size_t a = 0; a <= std::min<size_t>(bytes.size(), 24); ++a)
    for (size_t b = a; b <= std::min<size_t>(bytes.size(), 24); ++b)
      EXPECT_EQ(summary(parse_split(bytes, {a, b})), reference) << "split at " << a << "," << b;
  std::vector<size_t> every;
  for (size_t i = 1; i < bytes.size(); ++i)
    every.push_back(i);
  EXPECT_EQ(summary(parse_split(bytes, every)), reference) << "byte by byte";
  return reference;
}

TEST(SseParser, DispatchesAnEventAtEachBlankLine) {
  EXPECT_EQ(parse_any_split("data: one\n\ndata: two\n\n"),
            (std::vector<std::string>{"message|one|", "message|two|", "<clean>"}));
}

TEST(SseParser, AcceptsLfCrAndCrlfLineEndsMixed) {
  EXPECT_EQ(parse_any_split("data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\n\n"),
            (std::vector<std::string>{"message|a|", "message|b|", "message|c|", "message|d|",
                                      "<clean>"}));
}

TEST(SseParser, CrlfSplitBetweenCrAndLfIsOneLineEnd) {
  const std::string stream = "data: x\r\n\r\n";
  // Cut right after each CR: the LF in the next chunk must not make an extra (blank) line.
  EXPECT_EQ(summary(parse_split(stream, {8})), summary(parse_split(stream, {})));
  EXPECT_EQ(summary(parse_split(stream, {10})), summary(parse_split(stream, {})));
  EXPECT_EQ(summary(parse_split("data: a\r\ndata: b\r\n\r\n", {8})),
            (std::vector<std::string>{"message|a\nb|", "<clean>"}));
}

TEST(SseParser, JoinsMultiLineDataWithNewlines) {
  EXPECT_EQ(parse_any_split("data: line one\ndata:line two\ndata\ndata: \n\n"),
            (std::vector<std::string>{"message|line one\nline two\n\n|", "<clean>"}));
}

TEST(SseParser, RemovesOnlyOneLeadingSpaceOfAValue) {
  EXPECT_EQ(parse_any_split("data:  two spaces\n\n"),
            (std::vector<std::string>{"message| two spaces|", "<clean>"}));
}

TEST(SseParser, IgnoresCommentsAndUnknownFields) {
  EXPECT_EQ(parse_any_split(": keep-alive\n:\nfoo: bar\ndata: x\n: inside\n\n"),
            (std::vector<std::string>{"message|x|", "<clean>"}));
}

TEST(SseParser, NamesEventsAndForgetsTheNameAfterDispatch) {
  EXPECT_EQ(parse_any_split("event: ping\ndata: {}\n\ndata: plain\n\n"),
            (std::vector<std::string>{"ping|{}|", "message|plain|", "<clean>"}));
}

TEST(SseParser, EventWithoutDataIsNotDispatched) {
  EXPECT_EQ(parse_any_split("event: lonely\n\ndata: x\n\n"),
            (std::vector<std::string>{"message|x|", "<clean>"}));
}

TEST(SseParser, LastEventIdPersistsAcrossEvents) {
  EXPECT_EQ(parse_any_split("id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n"),
            (std::vector<std::string>{"message|a|7", "message|b|7", "message|c|", "<clean>"}));
}

TEST(SseParser, IdWithNulIsIgnored) {
  SseParser parser;
  std::vector<SseEvent> events;
  parser.feed(std::string_view("id: 1\n\nid: a\0b\ndata: x\n\n", 24), events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].last_event_id, "1");
}

TEST(SseParser, RetryTakesOnlyDigits) {
  SseParser parser;
  std::vector<SseEvent> events;
  parser.feed("retry: 3000\n\nretry: 12x\n\n", events);
  EXPECT_EQ(parser.retry_ms(), 3000);
  EXPECT_TRUE(events.empty());
}

TEST(SseParser, FieldWithoutColonIsAFieldWithEmptyValue) {
  EXPECT_EQ(parse_any_split("data\ndata\n\n"),
            (std::vector<std::string>{"message|\n|", "<clean>"}));
}

TEST(SseParser, SkipsOneLeadingBomEvenWhenSplit) {
  EXPECT_EQ(parse_any_split("\xEF\xBB\xBF"
                            "data: x\n\n"),
            (std::vector<std::string>{"message|x|", "<clean>"}));
  // Only at the start: a second BOM is part of the field name, so the line is an unknown field.
  EXPECT_EQ(parse_any_split("\xEF\xBB\xBF\xEF\xBB\xBF"
                            "data: x\n\n"),
            (std::vector<std::string>{"<clean>"}));
}

TEST(SseParser, BytesThatOnlyStartLikeABomAreContent) {
  EXPECT_EQ(parse_any_split("\xEF\xBB"
                            "data: x\n\n"),
            (std::vector<std::string>{"<clean>"}));
  EXPECT_EQ(parse_any_split("\xEF"
                            "\n"
                            "data: x\n\n"),
            (std::vector<std::string>{"message|x|", "<clean>"}));
}

TEST(SseParser, UnterminatedEventAtEndIsDiscardedAndReported) {
  EXPECT_EQ(parse_any_split("data: a\n\ndata: b\n"),
            (std::vector<std::string>{"message|a|", "<incomplete>"}));
  EXPECT_EQ(parse_any_split("data: a\n\ndata: b"),
            (std::vector<std::string>{"message|a|", "<incomplete>"}));
}

TEST(SseParser, TrailingCommentOrNothingIsAClean) {
  EXPECT_EQ(parse_any_split("data: a\n\n: bye"),
            (std::vector<std::string>{"message|a|", "<clean>"}));
  EXPECT_EQ(parse_any_split(""), (std::vector<std::string>{"<clean>"}));
}

TEST(SseParser, DoneSentinelIsOrdinaryData) {
  EXPECT_EQ(parse_any_split("data: {\"a\":1}\n\ndata: [DONE]\n\n"),
            (std::vector<std::string>{"message|{\"a\":1}|", "message|[DONE]|", "<clean>"}));
}

TEST(SseParser, KeepsUtf8SplitInsideACharacter) {
  EXPECT_EQ(parse_any_split("data: caf\xC3\xA9 \xE2\x80\x94 ok\n\n"),
            (std::vector<std::string>{"message|caf\xC3\xA9 \xE2\x80\x94 ok|", "<clean>"}));
}

TEST(SseParser, EventLargerThanTheLimitFailsTheParser) {
  SseParser parser(16);
  std::vector<SseEvent> events;
  EXPECT_TRUE(parser.feed("data: short\n\n", events));
  EXPECT_FALSE(parser.feed("data: 0123456789abcdef", events));
  EXPECT_TRUE(parser.failed());
  EXPECT_FALSE(parser.feed("\n\n", events));
  EXPECT_EQ(events.size(), 1u);
  EXPECT_EQ(parser.finish(), SseEnd::incomplete_event);
}

TEST(SseParser, DataSpreadOverManyLinesCountsTowardsTheLimit) {
  SseParser parser(32);
  std::vector<SseEvent> events;
  bool ok = true;
  for (int i = 0; i < 10 && ok; ++i)
    ok = parser.feed("data: 12345\n", events);
  EXPECT_FALSE(ok);
}

TEST(SseParser, FinishResetsForANewStreamButKeepsTheLastId) {
  SseParser parser;
  std::vector<SseEvent> events;
  parser.feed("id: 4\ndata: half", events);
  EXPECT_EQ(parser.finish(), SseEnd::incomplete_event);
  parser.feed("\xEF\xBB\xBF"
              "data: new\n\n",
              events);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "new");
  EXPECT_EQ(events[0].last_event_id, "4");
}

TEST(SseParser, HandlerFormPassesEachEventOnceWithItsOwnFields) {
  // Long data then short, a named event then an unnamed one: the reused buffers hold only the
  // event at hand.
  SseParser parser;
  Collect collect;
  EXPECT_TRUE(parser.feed("event: first\nid: 7\ndata: " + std::string(300, 'x') +
                              "\n\ndata: y\n\nevent: third\ndata: z1\ndata: z2\n\n",
                          collect));
  ASSERT_EQ(collect.events.size(), 3u);
  EXPECT_EQ(collect.events[0].type, "first");
  EXPECT_EQ(collect.events[0].data, std::string(300, 'x'));
  EXPECT_EQ(collect.events[1].type, "message");
  EXPECT_EQ(collect.events[1].data, "y");
  EXPECT_EQ(collect.events[1].last_event_id, "7");
  EXPECT_EQ(collect.events[2].type, "third");
  EXPECT_EQ(collect.events[2].data, "z1\nz2");
  EXPECT_EQ(parser.finish(), SseEnd::clean);
}

} // namespace
} // namespace imc
