// The JSON string writer of the relay and of the chat requests (imc/json_text.h,
// append_json_string) writes what nlohmann's dump (the service's dump()) writes for the same
// text: quotes, backslashes, every control character, DEL, valid UTF-8, and invalid UTF-8
// (replaced, never thrown on).
#include "api/service_impl.h"
#include "imc/json_text.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace {

using imc::api::Json;

std::string written(std::string_view text) {
  std::string out = "[";
  imc::append_json_string(out, text);
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

// Valid UTF-8 is escaped by the writer itself (invalid goes to nlohmann): random code points of
// every length, control characters and quotes among them.
TEST(RelayJson, WritesWhatDumpWritesForRandomValidUtf8) {
  std::mt19937 random(11);
  const auto encode = [](std::string &out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  };
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    const size_t count = random() % 40;
    for (size_t k = 0; k < count; ++k) {
      uint32_t cp = 0;
      switch (random() % 5) {
      case 0: cp = random() % 0x20; break;         // control characters
      case 1: cp = 0x20 + random() % 0x60; break;  // printable ASCII, quotes, backslash, DEL
      case 2: cp = 0x80 + random() % 0x780; break; // two bytes
      case 3:                                      // three bytes, no surrogates
        do
          cp = 0x800 + random() % 0xF800;
        while (cp >= 0xD800 && cp <= 0xDFFF);
        break;
      default: cp = 0x10000 + random() % 0x100000; break; // four bytes
      }
      encode(text, cp);
    }
    ASSERT_EQ(written(text), expected(text)) << "case " << i;
  }
}

} // namespace
