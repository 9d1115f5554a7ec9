# The project's own targets compile warning-free; third-party sources (imgui, stb) do not get these.
function(imc_strict_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()
