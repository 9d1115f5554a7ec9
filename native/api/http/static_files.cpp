#include "static_files.h"

#include "api/safe_files.h"

#include <map>

namespace imc::api::http {

namespace fs = std::filesystem;

std::string mime_type_for(const fs::path &file) {
  static const std::map<std::string, std::string> kTypes = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".wasm", "application/wasm"},
      {".json", "application/json"},
      {".jsonl", "application/x-ndjson"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".svg", "image/svg+xml"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".md", "text/plain; charset=utf-8"},
      {".map", "application/json"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"}};
  auto it = kTypes.find(file.extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

void serve_static(const StaticRoots &roots, const std::string &target, httplib::Response &res) {
  const std::string raw = target.substr(0, target.find_first_of("?#"));
  auto relative = decode_url_path(raw);
  if (!relative) {
    res.status = 400;
    res.set_content("bad path\n", "text/plain; charset=utf-8");
    return;
  }
  const fs::path *root = nullptr;
  std::string inside = *relative;
  if (inside == "pack" || inside.rfind("pack/", 0) == 0) {
    root = roots.pack ? &*roots.pack : nullptr;
    inside = inside.size() > 5 ? inside.substr(5) : "";
  } else {
    root = roots.web ? &*roots.web : nullptr;
    if (inside.empty())
      inside = "index.html";
  }
  if (!root) {
    res.status = 404;
    res.set_content("not found\n", "text/plain; charset=utf-8");
    return;
  }
  const ResolvedPath resolved = resolve_under(*root, inside);
  if (resolved.problem != PathProblem::none) {
    res.status = resolved.problem == PathProblem::malformed ? 400 : 404;
    res.set_content(res.status == 400 ? "bad path\n" : "not found\n", "text/plain; charset=utf-8");
    return;
  }
  auto bytes = read_file_bytes(resolved.file, 512u * 1024 * 1024);
  if (!bytes) {
    res.status = 404;
    res.set_content("not found\n", "text/plain; charset=utf-8");
    return;
  }
  res.status = 200;
  res.set_content(std::move(*bytes), mime_type_for(resolved.file));
}

} // namespace imc::api::http
