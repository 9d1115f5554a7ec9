# Compiles through ccache (Debian's) when it is installed, with its cache in the cache folder
# outside the checkout (IMC_CACHE_DIR/ccache, as scripts/setup keeps its slow builds), so that a
# clean clone — CI's every run — rebuilds from it instead of from nothing. Paths under the
# checkout are hashed relative to it (CCACHE_BASEDIR) and the build folder is not hashed
# (CCACHE_NOHASHDIR), so clones in different folders share entries (the tests' paths are in a
# generated source, tests/support/test_paths.h, not in compile definitions). For the wasm build
# em++ runs the wrapper around its own clang (EM_COMPILER_WRAPPER). Off with -DIMC_CCACHE=OFF.
option(IMC_CCACHE "Compile through ccache when it is installed" ON)
if(IMC_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  find_program(IMC_CCACHE_PROGRAM ccache)
  if(IMC_CCACHE_PROGRAM)
    set(_imc_ccache_env
        CCACHE_DIR=${IMC_CACHE_DIR}/ccache CCACHE_BASEDIR=${PROJECT_SOURCE_DIR} CCACHE_NOHASHDIR=1
        CCACHE_MAXSIZE=4G)
    if(EMSCRIPTEN)
      set(_imc_launcher ${CMAKE_COMMAND} -E env ${_imc_ccache_env}
                        EM_COMPILER_WRAPPER=${IMC_CCACHE_PROGRAM})
    else()
      set(_imc_launcher ${CMAKE_COMMAND} -E env ${_imc_ccache_env} ${IMC_CCACHE_PROGRAM})
    endif()
    set(CMAKE_C_COMPILER_LAUNCHER ${_imc_launcher})
    set(CMAKE_CXX_COMPILER_LAUNCHER ${_imc_launcher})
    message(STATUS "Compiling through ccache, its cache in ${IMC_CACHE_DIR}/ccache")
  endif()
endif()
