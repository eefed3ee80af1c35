# One place for warnings (-Wnull-dereference is left out: GCC 12 reports false positives inside
# Eigen and nlohmann-json) and the module/test helpers every folder uses.
set(ORTHOTRACK_WARNINGS -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wpedantic -Wcast-align
    -Wunused -Woverloaded-virtual -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)

# ot_add_module(NAME SOURCES a.cpp ... DEPS orthotrack_core ...)
# Creates library target orthotrack_<NAME> with public headers under include/orthotrack/<NAME>/.
function(ot_add_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(orthotrack_${name} ${M_SOURCES})
  add_library(orthotrack::${name} ALIAS orthotrack_${name})
  target_include_directories(orthotrack_${name} PUBLIC ${CMAKE_SOURCE_DIR}/include)
  target_link_libraries(orthotrack_${name} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
  target_compile_options(orthotrack_${name} PRIVATE ${ORTHOTRACK_WARNINGS})
  if(ORTHOTRACK_WERROR)
    target_compile_options(orthotrack_${name} PRIVATE -Werror)
  endif()
  target_compile_definitions(orthotrack_${name} PUBLIC ORTHOTRACK_VERSION="${PROJECT_VERSION}")
endfunction()

# ot_add_test(NAME SOURCES a.cpp ... DEPS ... [LABELS slow] [LOCK resource])
# One GoogleTest executable; each TEST becomes a CTest test (discovered at test time).
function(ot_add_test name)
  cmake_parse_arguments(T "" "LOCK" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/tests/common)
  target_compile_options(${name} PRIVATE ${ORTHOTRACK_WARNINGS})
  target_compile_definitions(${name} PRIVATE
    ORTHOTRACK_DATA_DIR="${ORTHOTRACK_DATA_DIR}"
    ORTHOTRACK_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    ORTHOTRACK_BINARY_DIR="${CMAKE_BINARY_DIR}")
  set(labels unit)
  if(T_LABELS)
    set(labels ${T_LABELS})
  endif()
  set(props LABELS "${labels}" TIMEOUT 2400)
  if(T_LOCK)
    # Tests sharing a resource (e.g. the simulated stack in build/sim_small) never run at once.
    list(APPEND props RESOURCE_LOCK ${T_LOCK})
  endif()
  gtest_discover_tests(${name} DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60 PROPERTIES ${props})
endfunction()
