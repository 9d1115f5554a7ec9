// Fitting images to provider limits: sniffing, sizes, pass-through, downscaling, re-encoding.
#include "imc/crc32.h"
#include "imc/image_fit.h"
#include "test_provider_support.h"

#include <gtest/gtest.h>
#include <stb_image.h>

namespace imc {
namespace {

// Decoded pixels of an encoded image (for checking what fit_image produced).
struct Decoded {
  int width = 0, height = 0, channels = 0;
  std::vector<unsigned char> pixels;
};

Decoded decode(const std::string &bytes) {
  Decoded d;
  unsigned char *p =
      stbi_load_from_memory(reinterpret_cast<const stbi_uc *>(bytes.data()),
                            static_cast<int>(bytes.size()), &d.width, &d.height, &d.channels, 0);
  if (p) {
    d.pixels.assign(p, p + static_cast<size_t>(d.width) * d.height * d.channels);
    stbi_image_free(p);
  }
  return d;
}

std::string be32(uint32_t v) {
  std::string s;
  for (int i = 3; i >= 0; --i)
    s += static_cast<char>((v >> (8 * i)) & 0xFF);
  return s;
}

// A PNG signature and IHDR chunk only: enough to read the size, nothing to decode.
std::string png_header(uint32_t w, uint32_t h) {
  const std::string ihdr = "IHDR" + be32(w) + be32(h) + std::string("\x08\x02\x00\x00\x00", 5);
  return std::string("\x89PNG\r\n\x1A\n", 8) + be32(13) + ihdr + be32(crc32(ihdr));
}

// A JPEG start-of-frame header only (baseline, 3 components).
std::string jpeg_header(uint16_t w, uint16_t h) {
  const auto be16 = [](uint16_t v) {
    return std::string{static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)};
  };
  return std::string("\xFF\xD8\xFF\xC0", 4) + be16(17) + "\x08" + be16(h) + be16(w) +
         std::string("\x03\x01\x11\x00\x02\x11\x00\x03\x11\x00", 10);
}

std::string riff_webp(std::string chunk) {
  chunk.resize(std::max<size_t>(chunk.size(), 30 - 12), '\0');
  return "RIFF" + std::string(4, '\0') + "WEBP" + chunk;
}

TEST(SniffImageType, RecognisesMagicBytes) {
  EXPECT_EQ(sniff_image_type(test::noise_image(2, 2, true)), ImageType::jpeg);
  EXPECT_EQ(sniff_image_type(test::noise_image(2, 2, false)), ImageType::png);
  EXPECT_EQ(sniff_image_type("GIF87a...."), ImageType::gif);
  EXPECT_EQ(sniff_image_type("GIF89a...."), ImageType::gif);
  EXPECT_EQ(sniff_image_type(riff_webp("VP8X")), ImageType::webp);
  EXPECT_EQ(sniff_image_type("RIFF\0\0\0\0WAVE"), ImageType::unknown);
  EXPECT_EQ(sniff_image_type("\xFF\xD8"), ImageType::unknown);
  EXPECT_EQ(sniff_image_type(""), ImageType::unknown);
  EXPECT_STREQ(mime_type(ImageType::webp), "image/webp");
  EXPECT_STREQ(mime_type(ImageType::unknown), "");
}

TEST(ImageSize, ReadsHeadersWithoutDecoding) {
  EXPECT_EQ(image_size(test::noise_image(7, 5, true))->width, 7);
  EXPECT_EQ(image_size(png_header(9000, 7000))->height, 7000);
  EXPECT_EQ(image_size(jpeg_header(12000, 11000))->height, 11000);
  // WebP: extended (24-bit sizes minus one), lossless (14-bit packed), lossy (14-bit).
  const auto vp8x = image_size(
      riff_webp("VP8X" + std::string(8, '\0') + std::string("\x3F\x1F\x00\xDF\x0B\x00", 6)));
  ASSERT_TRUE(vp8x);
  EXPECT_EQ(vp8x->width, 8000);
  EXPECT_EQ(vp8x->height, 3040);
  const uint32_t packed = (640 - 1) | ((480 - 1) << 14);
  std::string vp8l = "VP8L" + std::string(4, '\0') + "\x2F";
  for (int i = 0; i < 4; ++i)
    vp8l += static_cast<char>((packed >> (8 * i)) & 0xFF);
  EXPECT_EQ(image_size(riff_webp(vp8l))->width, 640);
  EXPECT_EQ(image_size(riff_webp(vp8l))->height, 480);
  const std::string vp8 = "VP8 " + std::string(4, '\0') + std::string(3, '\0') + "\x9D\x01\x2A" +
                          std::string("\x20\x03\x58\x02", 4);
  EXPECT_EQ(image_size(riff_webp(vp8))->width, 800);
  EXPECT_EQ(image_size(riff_webp(vp8))->height, 600);
  EXPECT_FALSE(image_size("GIF89a"));
}

TEST(ImageLimitsTable, MatchesTheHeaderTable) {
  EXPECT_EQ(image_limits(Protocol::anthropic).max_bytes, 3'750'000);
  EXPECT_EQ(image_limits(Protocol::bedrock).max_long_side, 8000);
  EXPECT_TRUE(image_limits(Protocol::openai).accepts(ImageType::gif));
  EXPECT_FALSE(image_limits(Protocol::gemini).accepts(ImageType::gif));
  EXPECT_EQ(image_limits(Protocol::gemini).max_bytes, 7'000'000);
}

TEST(FitImage, LeavesAnImageThatFitsUntouched) {
  const std::string png = test::noise_image(64, 48, false);
  const auto fitted = fit_image(png, image_limits(Protocol::anthropic));
  ASSERT_TRUE(fitted);
  EXPECT_FALSE(fitted->reencoded);
  EXPECT_EQ(fitted->bytes, png);
  EXPECT_EQ(fitted->type, ImageType::png);
  EXPECT_EQ(fitted->width, 64);
}

TEST(FitImage, DownscalesALargeImageUnderBothLimits) {
  const std::string big = test::noise_image(2400, 1600, true); // ~3 MB: noise does not compress
  ImageLimits limits;
  limits.max_long_side = 1568;
  limits.max_bytes = 600'000;
  const auto fitted = fit_image(big, limits, "images/big.jpg");
  ASSERT_TRUE(fitted) << format_errors(fitted.errors());
  EXPECT_TRUE(fitted->reencoded);
  EXPECT_EQ(fitted->type, ImageType::jpeg);
  EXPECT_LE(static_cast<int64_t>(fitted->bytes.size()), limits.max_bytes);
  EXPECT_LE(std::max(fitted->width, fitted->height), 1568);
  EXPECT_NEAR(static_cast<double>(fitted->width) / fitted->height, 1.5, 0.01);
  const Decoded d = decode(fitted->bytes);
  EXPECT_EQ(d.width, fitted->width);
  EXPECT_EQ(d.height, fitted->height);
}

TEST(FitImage, ReencodesAFormatTheProviderDoesNotTake) {
  // stb writes no GIF, so take a PNG and declare that only JPEG is accepted.
  ImageLimits jpeg_only;
  jpeg_only.accepted = {ImageType::jpeg};
  const auto fitted = fit_image(test::noise_image(40, 30, false), jpeg_only);
  ASSERT_TRUE(fitted);
  EXPECT_EQ(fitted->type, ImageType::jpeg);
  EXPECT_EQ(fitted->width, 40);
  EXPECT_EQ(sniff_image_type(fitted->bytes), ImageType::jpeg);
}

TEST(FitImage, CompositesTransparencyOntoWhite) {
  std::vector<unsigned char> transparent(4 * 4 * 4, 0); // black, alpha 0
  std::string png;
  stbi_write_png_to_func(
      [](void *ctx, void *data, int size) {
        static_cast<std::string *>(ctx)->append(static_cast<const char *>(data), size);
      },
      &png, 4, 4, 4, transparent.data(), 16);
  ImageLimits jpeg_only;
  jpeg_only.accepted = {ImageType::jpeg};
  const auto fitted = fit_image(png, jpeg_only);
  ASSERT_TRUE(fitted);
  const Decoded d = decode(fitted->bytes);
  ASSERT_EQ(d.channels, 3);
  for (unsigned char v : d.pixels)
    EXPECT_GE(v, 250);
}

TEST(FitImage, LowersQualityAndSizeUntilTheByteLimitHolds) {
  ImageLimits tight;
  tight.max_bytes = 20'000;
  const auto fitted = fit_image(test::noise_image(800, 800, true), tight);
  ASSERT_TRUE(fitted);
  EXPECT_LE(fitted->bytes.size(), 20'000u);
  EXPECT_LT(fitted->width, 800);
}

TEST(FitImage, ReportsWhatCannotBeFitted) {
  ImageLimits limits;
  EXPECT_EQ(fit_image("hello", limits, "notes.txt").errors()[0].message(),
            "notes.txt: expected a JPEG, PNG, GIF or WebP image, found unrecognised bytes");
  EXPECT_EQ(fit_image(jpeg_header(12000, 11000), limits, "bomb.jpg").errors()[0].message(),
            "bomb.jpg: expected at most 100 megapixels, found 12000x11000");
  const auto webp = fit_image(
      riff_webp("VP8X" + std::string(8, '\0') + std::string("\x3F\x1F\x00\xDF\x0B\x00", 6)),
      ImageLimits{3'750'000, 4000, {ImageType::webp}, 85}, "huge.webp");
  ASSERT_FALSE(webp);
  EXPECT_EQ(webp.errors()[0].expected,
            "a WebP image within the limits (WebP cannot be re-encoded)");
  ImageLimits impossible;
  impossible.max_bytes = 10;
  EXPECT_EQ(fit_image(test::noise_image(100, 100, true), impossible).errors()[0].found,
            "none at any size down to 64 px");
  std::string damaged = test::noise_image(100, 100, false);
  damaged.resize(60);
  ImageLimits small;
  small.max_long_side = 50;
  EXPECT_EQ(fit_image(damaged, small).errors()[0].expected, "a decodable image");
}

} // namespace
} // namespace imc
