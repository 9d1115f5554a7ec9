#pragma once
// Internal: the case-pack readers behind parse_manifest/parse_case, returning whatever part of
// the document is valid so that load_case_pack can go on checking the rest of a broken pack.
#include "imc/casepack.h"

namespace imc::detail {

Manifest read_manifest(std::string_view json, std::string_view source, Errors &errors);
Case read_case(std::string_view json, std::string_view source, Errors &errors);

} // namespace imc::detail
