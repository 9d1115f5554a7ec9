#include "imc/sha256.h"

#include <gtest/gtest.h>

#include <string>

namespace imc {
namespace {

// FIPS 180-4 examples (NIST "SHA256.pdf" and the long-message example).
TEST(Sha256, EmptyMessageMatchesFips) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, AbcMatchesFips) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, TwoBlockMessageOf448BitsMatchesFips) {
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, MillionTimesAMatchesFips) {
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, LengthsAroundThePaddingBoundaryMatchReference) {
  // Reference digests from Python's hashlib, for 'x' repeated n times: 55 bytes is the longest
  // message padded within one block, 56 the shortest that needs a second.
  const std::pair<size_t, const char *> cases[] = {
      {55, "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072"},
      {56, "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e"},
      {63, "75220b47218278e656f2013bb8f0c455a25eaf01e86c64924e9d48d89776d6f2"},
      {64, "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c"},
      {65, "9537c5fdf120482f7d58d25e9ed583f52c02b4e304ea814db1633ad565aed7e9"},
      {119, "000b48d4edf0fa7bee3c6236ecd2785baa5db4eeb8bb54341b029e0d9fa5fb0c"},
      {120, "13f05a0b594787f5ecd315edc96141bd3243203d1b7d4f0836f37308b276ba98"},
      {128, "24da1b81d0b16df6428eee73c69fcb2a93c76bc6df706f0c6670fe6bfe800464"},
  };
  for (const auto &[length, digest] : cases)
    EXPECT_EQ(sha256_hex(std::string(length, 'x')), digest) << length << " bytes";
}

TEST(Sha256, IncrementalUpdatesInAnyChunkSizeEqualOneShot) {
  std::string data;
  for (int i = 0; i < 3; ++i)
    for (int b = 0; b < 256; ++b)
      data += char(b);
  const std::string expected = "f3a25aa93aa2fbba28d79260535bbd6a5eb0fc1c24a8b0f04e12b484c1dfe363";
  ASSERT_EQ(sha256_hex(data), expected);
  for (size_t chunk : {1u, 3u, 63u, 64u, 65u, 200u}) {
    Sha256 hasher;
    for (size_t pos = 0; pos < data.size(); pos += chunk)
      hasher.update(std::string_view(data).substr(pos, chunk));
    const auto digest = hasher.finish();
    EXPECT_EQ(to_hex(digest.data(), digest.size()), expected) << "chunks of " << chunk;
  }
}

TEST(Sha256, FinishResetsSoTheHasherCanBeReused) {
  Sha256 hasher;
  hasher.update("something else");
  hasher.finish();
  hasher.update("abc");
  const auto digest = hasher.finish();
  EXPECT_EQ(to_hex(digest.data(), digest.size()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, ToHexWritesLowercaseTwoDigitsPerByte) {
  const uint8_t bytes[] = {0x00, 0x0f, 0xa0, 0xff};
  EXPECT_EQ(to_hex(bytes, sizeof bytes), "000fa0ff");
  EXPECT_EQ(to_hex(bytes, 0), "");
}

} // namespace
} // namespace imc
