#pragma once
// The web build at / and the case pack at /pack/, served by the proxy's own resolver
// (api/safe_files.h) rather than cpp-httplib's mount points: the request target is decoded once,
// `..`, dot-files, double encodings and backslashes are refused, and the file's realpath must
// lie under its root (no symbolic link out of it).
#include <httplib.h>

#include <filesystem>
#include <optional>
#include <string>

namespace imc::api::http {

struct StaticRoots {
  std::optional<std::filesystem::path> web;  // canonical; "/" is its index.html
  std::optional<std::filesystem::path> pack; // canonical; served under /pack/
};

// Answers a GET or HEAD of `target` (the raw request target): 200 with the file, 400 for a
// refused path, 404 when there is no such file under the roots.
void serve_static(const StaticRoots &roots, const std::string &target, httplib::Response &res);

// "application/wasm" for x.wasm, ...; "application/octet-stream" when unknown.
std::string mime_type_for(const std::filesystem::path &file);

} // namespace imc::api::http
