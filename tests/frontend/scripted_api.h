#pragma once
// Scripted replies of the JSON API for headless tests: the routes and bodies of
// tests/frontend/fixtures/api (routes.json), shared with the browser tests, which serve the same
// files through playwright's page.route().
#include "platform.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace imc::test {

class ScriptedApi {
public:
  ScriptedApi(); // reads routes.json; fails the test when it cannot
  // The reply to a call, as the platform would deliver it (ids are set by the platform).
  std::vector<ui::ApiEvent> answer(const std::string &method, const std::string &path,
                                   const std::string &body) const;
  // A fixture file's parsed contents.
  static nlohmann::json fixture(const std::string &name);
  // Events of a stream made of `items` ([{event, data}]).
  static std::vector<ui::ApiEvent> stream(const nlohmann::json &items);
  static std::vector<ui::ApiEvent> reply(int status, const nlohmann::json &body);

private:
  nlohmann::json routes_;
};

bool path_matches(const std::string &pattern, const std::string &path);

} // namespace imc::test
