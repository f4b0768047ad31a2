find_package(GTest REQUIRED)
include(GoogleTest)

# add_dispatcher_test(<name> LABEL <unit|integration|e2e> SOURCES ... LIBRARIES ...)
# Builds one GoogleTest executable and registers each TEST with ctest under the label.
function(add_dispatcher_test name)
  cmake_parse_arguments(ARG "" "LABEL" "SOURCES;LIBRARIES" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBRARIES} GTest::gtest GTest::gtest_main
                                        GTest::gmock dispatcher_build_options)
  gtest_discover_tests(${name}
    PROPERTIES LABELS ${ARG_LABEL}
    DISCOVERY_TIMEOUT 30)
endfunction()
