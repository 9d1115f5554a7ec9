#pragma once
// SHA-256 for content hashes (pack hash, image checks, prompt/rubric hashes). Written by hand
// because the core must build for wasm too, where OpenSSL is not available; checked against
// the FIPS 180-4 examples and, in native tests, against OpenSSL.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace imc {

class Sha256 {
public:
  Sha256();
  void update(const void *data, size_t size);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::array<uint8_t, 32> finish();

private:
  void block(const uint8_t *p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view data);  // lowercase hex
std::string to_hex(const uint8_t *data, size_t size);

} // namespace imc
