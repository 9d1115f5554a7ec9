#include "scripted_api.h"
#include "support/test_paths.h"

#include <gtest/gtest.h>

#include <fstream>

namespace imc::test {

namespace {
std::string fixtures_dir() { return std::string(imc::test::source_dir()) + "/tests/frontend/fixtures/api/"; }
} // namespace

bool path_matches(const std::string &pattern, const std::string &path) {
  size_t p = 0, s = 0;
  while (p < pattern.size()) {
    if (pattern[p] == '*') {
      // Longest run without '/', backtracking until the rest matches.
      size_t end = s;
      while (end < path.size() && path[end] != '/') ++end;
      for (size_t k = end + 1; k-- > s;) {
        if (path_matches(pattern.substr(p + 1), path.substr(k))) return true;
      }
      return false;
    }
    if (s >= path.size() || pattern[p] != path[s]) return false;
    ++p;
    ++s;
  }
  return s == path.size();
}

nlohmann::json ScriptedApi::fixture(const std::string &name) {
  std::ifstream in(fixtures_dir() + name);
  if (!in) {
    ADD_FAILURE() << "missing fixture " << fixtures_dir() + name;
    return nullptr;
  }
  return nlohmann::json::parse(in);
}

ScriptedApi::ScriptedApi() { routes_ = fixture("routes.json")["routes"]; }

std::vector<ui::ApiEvent> ScriptedApi::reply(int status, const nlohmann::json &body) {
  ui::ApiEvent e;
  e.status = status;
  e.data = body.dump();
  e.done = true;
  return {e};
}

std::vector<ui::ApiEvent> ScriptedApi::stream(const nlohmann::json &items) {
  std::vector<ui::ApiEvent> out;
  for (const auto &item : items) {
    ui::ApiEvent e;
    e.status = 200;
    e.event = item["event"].get<std::string>();
    e.data = item["data"].dump();
    out.push_back(e);
  }
  ui::ApiEvent end;
  end.status = 200;
  end.done = true;
  out.push_back(end);
  return out;
}

std::vector<ui::ApiEvent> ScriptedApi::answer(const std::string &method, const std::string &path,
                                              const std::string &) const {
  for (const auto &r : routes_) {
    if (r["method"] != method || !path_matches(r["path"].get<std::string>(), path)) continue;
    const nlohmann::json body = r.contains("file") ? fixture(r["file"].get<std::string>()) : r["json"];
    if (r.value("stream", false)) return stream(body);
    return reply(r.value("status", 200), body);
  }
  return reply(404, {{"error", {{"kind", "not_found"}, {"message", "no scripted reply for " + method + " " + path}}}});
}

} // namespace imc::test
