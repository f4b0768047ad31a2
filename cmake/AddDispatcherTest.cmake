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

# add_pytest_test(<name> LABEL <unit|integration|e2e> FILES <test files...> [TIMEOUT <s>]
#                 [ENVIRONMENT <VAR=value...>] [FIXTURES_REQUIRED <fixture...>] [REPORT <chars>])
# Registers one pytest run in the project venv (tools/deps/install.sh) as a ctest test, run from
# the calling folder, with pytest's temporary files under <build folder>/<name>-tmp. REPORT is
# pytest's -r value (default fE: list failures and errors).
function(add_pytest_test name)
  cmake_parse_arguments(ARG "" "LABEL;TIMEOUT;REPORT" "FILES;ENVIRONMENT;FIXTURES_REQUIRED" ${ARGN})
  if(NOT ARG_REPORT)
    set(ARG_REPORT fE)
  endif()
  set(files)
  foreach(file IN LISTS ARG_FILES)
    list(APPEND files ${CMAKE_CURRENT_SOURCE_DIR}/${file})
  endforeach()
  add_test(NAME ${name}
    COMMAND ${PROJECT_SOURCE_DIR}/.venv/bin/python -m pytest -q -p no:cacheprovider
            -r${ARG_REPORT} --basetemp=${CMAKE_CURRENT_BINARY_DIR}/${name}-tmp ${files}
    WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES LABELS ${ARG_LABEL})
  if(ARG_TIMEOUT)
    set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT})
  endif()
  if(ARG_ENVIRONMENT)
    set_tests_properties(${name} PROPERTIES ENVIRONMENT "${ARG_ENVIRONMENT}")
  endif()
  if(ARG_FIXTURES_REQUIRED)
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED "${ARG_FIXTURES_REQUIRED}")
  endif()
endfunction()
