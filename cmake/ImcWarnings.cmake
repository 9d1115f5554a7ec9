# The project's own targets compile warning-free; third-party sources (imgui, stb) do not get these.
function(imc_strict_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
  # GCC 12 at -O2/-O3 reports -Wmaybe-uninitialized falsely through std::variant and
  # std::optional<std::string> moves (GCC bugs 105562, 107138); it is off for GCC only.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
endfunction()
