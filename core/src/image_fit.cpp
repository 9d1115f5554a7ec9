#include "imc/image_fit.h"

#include <stb_image.h>
#include <stb_image_resize.h>
#include <stb_image_write.h>

#include <algorithm>
#include <climits>
#include <memory>

namespace imc {

namespace {

constexpr int64_t kMaxDecodePixels = 100'000'000;
constexpr int kMinLongSide = 64;

uint32_t read_le(std::string_view s, size_t at, size_t n) {
  uint32_t v = 0;
  for (size_t i = n; i-- > 0;)
    v = v << 8 | static_cast<unsigned char>(s[at + i]);
  return v;
}

std::optional<ImageSize> webp_size(std::string_view b) {
  if (b.size() < 30)
    return std::nullopt;
  const std::string_view chunk = b.substr(12, 4);
  if (chunk == "VP8X") // canvas size, 24-bit little-endian, minus one
    return ImageSize{static_cast<int>(read_le(b, 24, 3)) + 1,
                     static_cast<int>(read_le(b, 27, 3)) + 1};
  if (chunk == "VP8 " && b.substr(23, 3) == "\x9D\x01\x2A") // lossy key frame
    return ImageSize{static_cast<int>(read_le(b, 26, 2) & 0x3FFF),
                     static_cast<int>(read_le(b, 28, 2) & 0x3FFF)};
  if (chunk == "VP8L" && static_cast<unsigned char>(b[20]) == 0x2F) { // lossless
    const uint32_t bits = read_le(b, 21, 4);
    return ImageSize{static_cast<int>(bits & 0x3FFF) + 1,
                     static_cast<int>((bits >> 14) & 0x3FFF) + 1};
  }
  return std::nullopt;
}

Error fit_error(std::string_view source, std::string expected, std::string found) {
  return Error{std::string(source), "", std::move(expected), std::move(found)};
}

struct Pixels {
  std::vector<unsigned char> data;
  int width = 0;
  int height = 0;
  int channels = 0; // 1 (grey) or 3 (RGB): what JPEG stores
};

// Decodes and drops transparency by compositing onto white (a transparent region is "nothing",
// which reads as white on every viewer a clinician would use).
std::optional<Pixels> decode(std::string_view bytes) {
  int w = 0, h = 0, comp = 0;
  std::unique_ptr<unsigned char, void (*)(void *)> raw(
      stbi_load_from_memory(reinterpret_cast<const stbi_uc *>(bytes.data()),
                            static_cast<int>(bytes.size()), &w, &h, &comp, 0),
      stbi_image_free);
  if (!raw || w <= 0 || h <= 0 || comp < 1 || comp > 4)
    return std::nullopt;
  Pixels out;
  out.width = w;
  out.height = h;
  out.channels = comp <= 2 ? 1 : 3;
  const size_t pixels = static_cast<size_t>(w) * static_cast<size_t>(h);
  out.data.resize(pixels * static_cast<size_t>(out.channels));
  const bool has_alpha = comp == 2 || comp == 4;
  for (size_t p = 0; p < pixels; ++p) {
    const unsigned char *src = raw.get() + p * static_cast<size_t>(comp);
    const int alpha = has_alpha ? src[comp - 1] : 255;
    for (int c = 0; c < out.channels; ++c) {
      const int v = src[c];
      out.data[p * static_cast<size_t>(out.channels) + static_cast<size_t>(c)] =
          static_cast<unsigned char>((v * alpha + 255 * (255 - alpha) + 127) / 255);
    }
  }
  return out;
}

std::optional<Pixels> scaled(const Pixels &in, int long_side) {
  const int in_long = std::max(in.width, in.height);
  if (long_side >= in_long)
    return in;
  Pixels out;
  out.channels = in.channels;
  const double f = static_cast<double>(long_side) / in_long;
  out.width = std::max(1, static_cast<int>(in.width * f + 0.5));
  out.height = std::max(1, static_cast<int>(in.height * f + 0.5));
  out.data.resize(static_cast<size_t>(out.width) * static_cast<size_t>(out.height) *
                  static_cast<size_t>(out.channels));
  if (!stbir_resize_uint8(in.data.data(), in.width, in.height, 0, out.data.data(), out.width,
                          out.height, 0, in.channels))
    return std::nullopt;
  return out;
}

void append_bytes(void *context, void *data, int size) {
  static_cast<std::string *>(context)->append(static_cast<const char *>(data),
                                              static_cast<size_t>(size));
}

std::string encode_jpeg(const Pixels &p, int quality) {
  std::string out;
  if (!stbi_write_jpg_to_func(append_bytes, &out, p.width, p.height, p.channels, p.data.data(),
                              quality))
    out.clear();
  return out;
}

} // namespace

const char *mime_type(ImageType type) {
  switch (type) {
  case ImageType::jpeg:
    return "image/jpeg";
  case ImageType::png:
    return "image/png";
  case ImageType::gif:
    return "image/gif";
  case ImageType::webp:
    return "image/webp";
  case ImageType::unknown:
    break;
  }
  return "";
}

ImageType sniff_image_type(std::string_view b) {
  if (b.substr(0, 3) == "\xFF\xD8\xFF")
    return ImageType::jpeg;
  if (b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1A\n", 8))
    return ImageType::png;
  if (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a")
    return ImageType::gif;
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP")
    return ImageType::webp;
  return ImageType::unknown;
}

std::optional<ImageSize> image_size(std::string_view bytes) {
  const ImageType type = sniff_image_type(bytes);
  if (type == ImageType::webp)
    return webp_size(bytes);
  if (type == ImageType::unknown || bytes.size() > static_cast<size_t>(INT_MAX))
    return std::nullopt;
  int w = 0, h = 0, comp = 0;
  if (!stbi_info_from_memory(reinterpret_cast<const stbi_uc *>(bytes.data()),
                             static_cast<int>(bytes.size()), &w, &h, &comp) ||
      w <= 0 || h <= 0)
    return std::nullopt;
  return ImageSize{w, h};
}

bool ImageLimits::accepts(ImageType type) const {
  return std::find(accepted.begin(), accepted.end(), type) != accepted.end();
}

const ImageLimits &image_limits(Protocol protocol) {
  static const ImageLimits shared; // openai, anthropic and bedrock share the defaults
  static const ImageLimits gemini = [] {
    ImageLimits limits;
    limits.max_bytes = 7'000'000;
    limits.accepted = {ImageType::jpeg, ImageType::png, ImageType::webp};
    return limits;
  }();
  return protocol == Protocol::gemini ? gemini : shared;
}

Result<FittedImage> fit_image(std::string_view bytes, const ImageLimits &limits,
                              std::string_view source_name) {
  const ImageType type = sniff_image_type(bytes);
  if (type == ImageType::unknown)
    return fit_error(source_name, "a JPEG, PNG, GIF or WebP image", "unrecognised bytes");
  const auto size = image_size(bytes);
  if (!size)
    return fit_error(source_name, "a readable image header", "a damaged header");
  const int long_side = std::max(size->width, size->height);
  const int64_t length = static_cast<int64_t>(bytes.size());
  if (limits.accepts(type) && long_side <= limits.max_long_side && length <= limits.max_bytes)
    return FittedImage{std::string(bytes), type, size->width, size->height, false};

  if (type == ImageType::webp)
    return fit_error(source_name, "a WebP image within the limits (WebP cannot be re-encoded)",
                     std::to_string(size->width) + "x" + std::to_string(size->height) + ", " +
                         std::to_string(length) + " bytes");
  if (int64_t{size->width} * size->height > kMaxDecodePixels)
    return fit_error(source_name, "at most 100 megapixels",
                     std::to_string(size->width) + "x" + std::to_string(size->height));
  const auto pixels = decode(bytes);
  if (!pixels)
    return fit_error(source_name, "a decodable image", stbi_failure_reason());

  const int first_quality = std::clamp(limits.jpeg_quality, 1, 100);
  for (int target = std::min(long_side, std::max(1, limits.max_long_side));
       target >= std::min(kMinLongSide, long_side); target = target * 3 / 4) {
    const auto resized = scaled(*pixels, target);
    if (!resized)
      break;
    for (int quality : {first_quality, std::min(first_quality, 70), std::min(first_quality, 55)}) {
      std::string jpeg = encode_jpeg(*resized, quality);
      if (!jpeg.empty() && static_cast<int64_t>(jpeg.size()) <= limits.max_bytes)
        return FittedImage{std::move(jpeg), ImageType::jpeg, resized->width, resized->height, true};
    }
    if (target <= kMinLongSide)
      break;
  }
  return fit_error(source_name, "a JPEG of at most " + std::to_string(limits.max_bytes) + " bytes",
                   "none at any size down to " + std::to_string(kMinLongSide) + " px");
}

} // namespace imc
