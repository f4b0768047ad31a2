# One INTERFACE target carries the project's warning set; every target links it.
add_library(dispatcher_warnings INTERFACE)
target_compile_options(dispatcher_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  -Wmisleading-indentation
  # GCC only: clang (the asan-ubsan preset) does not know them.
  $<$<CXX_COMPILER_ID:GNU>:-Wduplicated-cond -Wduplicated-branches -Wlogical-op -Wuseless-cast>
  # Designated initializers that leave members at their defaults are intended.
  -Wno-missing-field-initializers)
if(DISPATCHER_WERROR)
  # At -O2 GCC 12 reports false maybe-uninitialized (libstdc++'s std::string, GCC bug 105562)
  # and null-dereference (inlined nlohmann::json iterators) warnings; they stay visible but do not
  # fail the build.
  target_compile_options(dispatcher_warnings INTERFACE
    -Werror -Wno-error=maybe-uninitialized -Wno-error=null-dereference)
endif()

add_library(dispatcher_sanitizers INTERFACE)
if(DISPATCHER_SANITIZE)
  target_compile_options(dispatcher_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(dispatcher_sanitizers INTERFACE -fsanitize=address,undefined)
  # With clang the same objects also carry libFuzzer's coverage instrumentation, so the fuzz targets
  # (tests/fuzz) link against this build tree instead of needing a second one.
  include(CheckCXXSourceCompiles)
  set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer")
  check_cxx_source_compiles(
    "#include <cstddef>
     #include <cstdint>
     extern \"C\" int LLVMFuzzerTestOneInput(const std::uint8_t*, std::size_t) { return 0; }"
    DISPATCHER_HAS_LIBFUZZER)
  unset(CMAKE_REQUIRED_FLAGS)
  if(DISPATCHER_HAS_LIBFUZZER)
    target_compile_options(dispatcher_sanitizers INTERFACE -fsanitize=fuzzer-no-link)
  endif()
endif()

add_library(dispatcher_build_options INTERFACE)
target_link_libraries(dispatcher_build_options INTERFACE dispatcher_warnings dispatcher_sanitizers)
