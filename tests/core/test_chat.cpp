// The normalised chat vocabulary: names, and folding events into a response.
#include "imc/chat.h"

#include <gtest/gtest.h>

namespace imc {
namespace {

TEST(ErrorKind, NamesMatchFormatsMdAndParseBack) {
  const std::vector<std::string> names{"config",     "network",     "timeout",     "rate_limited",
                                       "overloaded", "server",      "bad_request", "auth",
                                       "protocol",   "unsupported", "cancelled"};
  for (const auto &name : names) {
    const auto kind = parse_error_kind(name);
    ASSERT_TRUE(kind) << name;
    EXPECT_EQ(to_string(*kind), name);
  }
  EXPECT_FALSE(parse_error_kind("Timeout"));
}

TEST(ErrorKind, OnlyTransientKindsAreRetryable) {
  EXPECT_TRUE(is_retryable(ErrorKind::rate_limited));
  EXPECT_TRUE(is_retryable(ErrorKind::overloaded));
  EXPECT_TRUE(is_retryable(ErrorKind::network));
  EXPECT_FALSE(is_retryable(ErrorKind::auth));
  EXPECT_FALSE(is_retryable(ErrorKind::bad_request));
  EXPECT_FALSE(is_retryable(ErrorKind::cancelled));
}

TEST(FoldEvents, ConcatenatesTextKeepsLastUsageAndFinish) {
  const ChatResponse r = fold_events({TextDelta{"Hel"}, Usage{10, 1}, TextDelta{"lo"}, Usage{10, 2},
                                      Finish{FinishReason::length, "max_tokens"}});
  EXPECT_EQ(r.text, "Hello");
  EXPECT_EQ(r.usage, (Usage{10, 2}));
  EXPECT_EQ(r.finish, (Finish{FinishReason::length, "max_tokens"}));
  EXPECT_TRUE(r.complete());
}

TEST(FoldEvents, KeepsPartialTextOnErrorAndIgnoresEventsAfterTheTerminal) {
  StreamError error{ErrorKind::overloaded, "overloaded_error: Overloaded", 1000, 529};
  const ChatResponse r =
      fold_events({TextDelta{"Par"}, error, TextDelta{"tial"}, Finish{FinishReason::stop, ""}});
  EXPECT_EQ(r.text, "Par");
  EXPECT_EQ(r.error, error);
  EXPECT_FALSE(r.finish);
  EXPECT_FALSE(r.complete());
}

TEST(DescribeEvent, IsOneReadableLine) {
  EXPECT_EQ(describe(TextDelta{"hi"}), "text \"hi\"");
  EXPECT_EQ(describe(Usage{12, 3}), "usage 12/3");
  EXPECT_EQ(describe(Finish{FinishReason::content_filter, "SAFETY"}),
            "finish content_filter (SAFETY)");
  EXPECT_EQ(describe(StreamError{ErrorKind::rate_limited, "slow down", 2000, 429}),
            "error rate_limited (HTTP 429, retry after 2000 ms): slow down");
  EXPECT_EQ(describe(StreamError{ErrorKind::protocol, "stream ended before completion", {}, 0}),
            "error protocol: stream ended before completion");
}

TEST(ChatTurn, OneTextPartHelpers) {
  const ChatTurn u = user_text("hello");
  EXPECT_EQ(u.role, ChatRole::user);
  ASSERT_EQ(u.content.size(), 1u);
  EXPECT_EQ(std::get<TextPart>(u.content[0]).text, "hello");
  EXPECT_EQ(assistant_text("x").role, ChatRole::assistant);
}

} // namespace
} // namespace imc
