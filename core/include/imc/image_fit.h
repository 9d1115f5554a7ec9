#pragma once
// Fitting an image to what a provider accepts: the right format, not too many pixels on the
// long side, not too many bytes. Images that already fit pass through byte for byte; the others
// are decoded (stb_image), downscaled (stb_image_resize) and re-encoded as JPEG (stb_image_write).
//
// Provider limits (raw image bytes; base64 in the request is 4/3 of that):
//
//   protocol   formats accepted        max bytes  max long side  source
//   openai     jpeg png gif webp       3.75 MB    8000 px        OpenAI vision guide: png, jpeg,
//                                                                webp, non-animated gif; 50 MB per
//                                                                request. Compatible servers vary,
//                                                                so we hold it to Anthropic's cap.
//   anthropic  jpeg png gif webp       3.75 MB    8000 px        5 MB per image counted on the
//                                                                base64 text (= 3.75 MB raw);
//                                                                8000x8000 max (2000 px with >20
//                                                                images). Claude downscales a
//                                                                long side > 1568 px anyway.
//   bedrock    jpeg png gif webp       3.75 MB    8000 px        Converse ImageBlock: 3.75 MB,
//                                                                8000 px per side.
//   gemini     jpeg png webp           7 MB       8000 px        Inline data: 20 MB per request
//                                                                in total; 7 MB per inline file on
//                                                                Vertex AI. No GIF.
//
// (1 MB = 1,000,000 bytes here, as the providers count; 3.75 MB = 3,750,000 bytes.)
// WebP is recognised but stb cannot decode it: a WebP that needs changing is an error.
#include "imc/endpoint_config.h"
#include "imc/result.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imc {

enum class ImageType { unknown, jpeg, png, gif, webp };

// "image/jpeg", "image/png", "image/gif", "image/webp"; "" for unknown.
const char *mime_type(ImageType type);
// By magic bytes only: FF D8 FF, 89 "PNG" 0D 0A 1A 0A, "GIF87a"/"GIF89a", "RIFF" .... "WEBP".
ImageType sniff_image_type(std::string_view bytes);

struct ImageSize {
  int width = 0;
  int height = 0;
};
// Width and height from the file's header (no pixel decoding; WebP included), nullopt when the
// header is not readable.
std::optional<ImageSize> image_size(std::string_view bytes);

struct ImageLimits {
  int64_t max_bytes = 3'750'000; // raw bytes per image
  int max_long_side = 8000;      // pixels
  std::vector<ImageType> accepted{ImageType::jpeg, ImageType::png, ImageType::gif, ImageType::webp};
  int jpeg_quality = 85; // first quality tried when re-encoding
  bool accepts(ImageType type) const;
};

// The table above (built once: every request asks).
const ImageLimits &image_limits(Protocol protocol);

struct FittedImage {
  std::string bytes;
  ImageType type = ImageType::unknown;
  int width = 0;
  int height = 0;
  bool reencoded = false; // false: `bytes` are the input, untouched
};

// Returns the image unchanged when its format is accepted and it is within both limits.
// Otherwise decodes it, scales it so the long side is at most max_long_side (never up),
// composites transparency onto white, and encodes JPEG, lowering the quality and then the size
// until it is within max_bytes. Errors (Error::file = `source_name`): not an image we
// recognise; a WebP/undecodable image that needs changing; more than 100 megapixels (refused
// before decoding, against decompression bombs); no JPEG under max_bytes above 64 px.
Result<FittedImage> fit_image(std::string_view bytes, const ImageLimits &limits,
                              std::string_view source_name = "image");

} // namespace imc
