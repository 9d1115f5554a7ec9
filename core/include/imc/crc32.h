#pragma once
// CRC-32 (IEEE 802.3 / ISO-HDLC: reflected polynomial 0xEDB88320, as in gzip, zlib and PNG),
// used by the AWS eventstream framing.
//
// Hand-written rather than taken from zlib because core/ must also build for WebAssembly, where
// Debian ships no zlib for Emscripten and Emscripten's own port would be downloaded at build
// time (which fails here); a table-driven CRC is a dozen lines.
#include <cstdint>
#include <string_view>

namespace imc {

// The CRC of `data`, continuing from `crc` (the CRC of the bytes before; 0 to start), so that
// crc32(b, crc32(a)) == crc32(a + b). crc32("123456789") == 0xCBF43926.
uint32_t crc32(std::string_view data, uint32_t crc = 0);

} // namespace imc
