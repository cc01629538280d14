# Registers Boost.Test executables with CTest so that a case that cannot run is counted as Skipped,
# never Passed. Cases decorated NeedsOutsideTool (tests/support/outside_tools.hpp) become CTest tests
# of their own, "EXECUTABLE/SUITE/CASE", with SKIP_RETURN_CODE 77; the other cases of the executable
# run together as the test "EXECUTABLE" (--run_test=!@needs_outside_tool).
#
# Which cases carry the decorator is read from the built executable (--list_content prints the
# description the decorator sets) after each build, into a file CTest includes, as CMake's own
# gtest_discover_tests does: the decorator in the source is the only place that says it.
#
# Included by CMakeLists.txt for nightstack_add_boost_test(); also run as a script (cmake -P) after
# each build of a test executable, with executable, name, timeout and output defined.

set(NIGHTSTACK_BOOST_TEST_CASES_SCRIPT "${CMAKE_CURRENT_LIST_FILE}")

function(nightstack_add_boost_test target timeout)
  set(listing "${CMAKE_CURRENT_BINARY_DIR}/${target}-cases.cmake")
  add_custom_command(
    TARGET ${target} POST_BUILD
    COMMAND "${CMAKE_COMMAND}" -D "executable=$<TARGET_FILE:${target}>" -D "name=${target}"
            -D "timeout=${timeout}" -D "output=${listing}" -P "${NIGHTSTACK_BOOST_TEST_CASES_SCRIPT}"
    BYPRODUCTS "${listing}"
    VERBATIM)
  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${target}-include.cmake")
  file(WRITE "${include_file}"
       "if(EXISTS \"${listing}\")\n  include(\"${listing}\")\nelse()\n"
       "  add_test(${target}_NOT_BUILT ${target}_NOT_BUILT)\nendif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()

if(NOT CMAKE_SCRIPT_MODE_FILE)
  return()
endif()

# Script mode: list the cases of `executable` and write the add_test() calls into `output`.
execute_process(COMMAND "${executable}" --list_content
                OUTPUT_VARIABLE listing ERROR_VARIABLE listing RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${executable} --list_content failed (${status}):\n${listing}")
endif()
string(REPLACE "\n" ";" lines "${listing}")
# Each line is "<4 spaces per level>NAME*" (a space instead of * for a unit disabled by default,
# which runs only when named and is not registered), then ": DESCRIPTION" when there is one; a
# suite is a line followed by a deeper one.
set(names "")
set(depths "")
set(descriptions "")
set(enabled "")
foreach(line IN LISTS lines)
  if(line MATCHES "^( *)([A-Za-z0-9_<>,:. -]*[A-Za-z0-9_>])([* ])(: (.*))?$")
    string(LENGTH "${CMAKE_MATCH_1}" indent)
    math(EXPR depth "${indent} / 4")
    list(APPEND names "${CMAKE_MATCH_2}")
    list(APPEND depths "${depth}")
    list(APPEND enabled "${CMAKE_MATCH_3}")
    list(APPEND descriptions "x${CMAKE_MATCH_5}")
  endif()
endforeach()

set(outside_tool_cases "")
set(other_cases 0)
set(path "")
list(LENGTH names count)
if(count GREATER 0)
  math(EXPR last "${count} - 1")
  foreach(index RANGE ${last})
    list(GET names ${index} case_name)
    list(GET depths ${index} depth)
    list(GET descriptions ${index} description)
    list(GET enabled ${index} marker)
    # `path`: the names of the enclosing suites, then this unit.
    list(SUBLIST path 0 ${depth} path)
    list(APPEND path "${case_name}")
    set(is_suite FALSE)
    if(index LESS last)
      math(EXPR next "${index} + 1")
      list(GET depths ${next} next_depth)
      if(next_depth GREATER depth)
        set(is_suite TRUE)
      endif()
    endif()
    if(is_suite OR NOT marker STREQUAL "*")
      continue()
    endif()
    if(description STREQUAL "xneeds_outside_tool")
      list(JOIN path "/" case_path)
      list(APPEND outside_tool_cases "${case_path}")
    else()
      math(EXPR other_cases "${other_cases} + 1")
    endif()
  endforeach()
endif()

set(tests "")
if(other_cases GREATER 0)
  set(filter "")
  if(outside_tool_cases)
    set(filter " \"--run_test=!@needs_outside_tool\"")
  endif()
  string(APPEND tests "add_test(\"${name}\" \"${executable}\" \"--log_level=message\"${filter})\n"
         "set_tests_properties(\"${name}\" PROPERTIES TIMEOUT ${timeout})\n")
endif()
foreach(case_path IN LISTS outside_tool_cases)
  string(APPEND tests "add_test(\"${name}/${case_path}\" \"${executable}\" \"--log_level=message\" "
         "\"--run_test=${case_path}\")\n"
         "set_tests_properties(\"${name}/${case_path}\" PROPERTIES TIMEOUT ${timeout} SKIP_RETURN_CODE 77 "
         "LABELS needs_outside_tool)\n")
endforeach()
file(WRITE "${output}" "${tests}")
