// The relay's JSON string writer (api/service_impl.h, append_json_string) writes what
// nlohmann's dump (the service's dump()) writes for the same text: quotes, backslashes, every
// control character, DEL, valid UTF-8, and invalid UTF-8 (replaced, never thrown on).
#include "api/service_impl.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace {

using imc::api::Json;

std::string written(std::string_view text) {
  std::string out = "[";
  imc::api::append_json_string(out, text);
  return out;
}

std::string expected(std::string_view text) { return "[" + imc::api::dump(Json(std::string(text))); }

TEST(RelayJson, WritesWhatDumpWritesForEveryAsciiCharacter) {
  for (int c = 0; c < 0x80; ++c) {
    const std::string text = "a" + std::string(1, static_cast<char>(c)) + "b";
    EXPECT_EQ(written(text), expected(text)) << "character " << c;
  }
  EXPECT_EQ(written(""), expected(""));
  EXPECT_EQ(written("say \"hi\"\\n\n\t\r\f\b\x01\x1f\x7f"), expected("say \"hi\"\\n\n\t\r\f\b\x01\x1f\x7f"));
}

TEST(RelayJson, WritesWhatDumpWritesForUtf8ValidOrNot) {
  for (const std::string text : {"caf\xC3\xA9 \xE2\x80\x94 \xF0\x9F\x98\x80", "broken \xC3",
                                 "\xFF\xFE", "mixed \"\xE2\x80\" \n end", "\xED\xA0\x80"})
    EXPECT_EQ(written(text), expected(text));
}

TEST(RelayJson, WritesWhatDumpWritesForRandomBytes) {
  std::mt19937 random(7);
  for (int i = 0; i < 2000; ++i) {
    std::string text(random() % 24, '\0');
    for (char &c : text) // mostly ASCII, some high bytes
      c = static_cast<char>(random() % 8 == 0 ? 0x80 + random() % 0x80 : random() % 0x80);
    ASSERT_EQ(written(text), expected(text)) << "case " << i;
  }
}

} // namespace
