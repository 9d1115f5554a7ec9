#pragma once
// Helpers for the `imc` command-line tests: run the built binary, make a scratch copy of the demo
// pack, edit its JSON documents, write small images.
#include "support/subprocess.h"
#include "support/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stb_image_write.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace imc::test {

namespace fs = std::filesystem;
using OrderedJson = nlohmann::ordered_json;

inline ProcessResult run_imc(std::vector<std::string> args) {
  args.insert(args.begin(), imc::test::cli_binary());
  return run_process(args, 120);
}

// "exit 2, stderr: ..." for assertion messages.
inline std::string describe(const ProcessResult &r) {
  return "exit " + std::to_string(r.exit_code) + "\n--- stdout:\n" + r.out + "\n--- stderr:\n" +
         r.err;
}

inline std::string demo_pack_dir() { return std::string(imc::test::source_dir()) + "/assets/demo"; }

inline std::string read_text(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline void write_text(const fs::path &path, const std::string &text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

inline OrderedJson read_json(const fs::path &path) { return OrderedJson::parse(read_text(path)); }
inline void write_json(const fs::path &path, const OrderedJson &j) { write_text(path, j.dump(2)); }

// The demo images come from scripts/fetch-demo-images; without them these tests cannot say
// anything, so they fail (not skip) and say how to get them.
inline ::testing::AssertionResult demo_images_present() {
  const fs::path images = fs::path(demo_pack_dir()) / "images";
  std::error_code ec;
  if (fs::is_directory(images, ec) && !fs::is_empty(images, ec) &&
      fs::exists(images / "isic_ISIC_0000002_melanoma.jpg", ec))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "assets/demo/images is empty: run `scripts/setup demo` to fetch the demo images";
}

// A fresh copy of assets/demo in its own temporary folder, removed afterwards.
class DemoPackCopy {
public:
  DemoPackCopy() : root_(dir_ / "demo") {
    fs::copy(demo_pack_dir(), root_, fs::copy_options::recursive);
  }
  const fs::path &root() const { return root_; }
  std::string str() const { return root_.string(); }
  fs::path operator/(const std::string &relative) const { return root_ / relative; }
  const TempDir &temp() const { return dir_; }

private:
  TempDir dir_;
  fs::path root_;
};

// Writes a w x h RGB image with a gradient (so it compresses like a photo, not like a flat
// colour) as PNG or JPEG, chosen by the extension.
inline void write_test_image(const fs::path &path, int w, int h) {
  std::vector<unsigned char> pixels(size_t(w) * size_t(h) * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      unsigned char *p = &pixels[(size_t(y) * size_t(w) + size_t(x)) * 3];
      p[0] = static_cast<unsigned char>(x * 255 / (w > 1 ? w - 1 : 1));
      p[1] = static_cast<unsigned char>(y * 255 / (h > 1 ? h - 1 : 1));
      p[2] = static_cast<unsigned char>((x + y) % 256);
    }
  fs::create_directories(path.parent_path());
  const std::string ext = path.extension().string();
  const int ok = ext == ".png" ? stbi_write_png(path.c_str(), w, h, 3, pixels.data(), w * 3)
                               : stbi_write_jpg(path.c_str(), w, h, 3, pixels.data(), 90);
  if (!ok) throw std::runtime_error("cannot write " + path.string());
}

inline bool contains(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

} // namespace imc::test
