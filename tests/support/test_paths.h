#pragma once
// Where the tests find their data and tools: the checkout, ../shared, llama-server, and (in the
// native suite) the built programs. The values live in one source file that CMake generates in
// the build folder, not in compile definitions: every test object then compiles the same in any
// checkout folder, so the compiler cache (cmake/ImcCompilerCache.cmake) serves a clean clone in
// a new folder; only the generated file recompiles.
namespace imc::test {

const char *source_dir();          // the checkout (PROJECT_SOURCE_DIR)
const char *shared_dir();          // casepack/ and models/ (IMC_SHARED_DIR, ../shared)
const char *llama_server_binary(); // built by `scripts/setup llama` (IMC_LLAMA_SERVER)

// Defined for the native suite only (test_native), which runs the programs as a user does.
const char *cli_binary();    // imc
const char *studio_binary(); // imc-studio

} // namespace imc::test
