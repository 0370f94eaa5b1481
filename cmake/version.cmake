# The build's version, in one generated source shared by every binary:
# the project(VERSION) of the top-level CMakeLists.txt plus
# `git describe --always --dirty` of the source tree, read again at every
# build (so a new commit or an edit shows without re-running cmake). Out
# of a git checkout (a tarball) or without git, the plain version.
#
# Declares the library `sundial_version` (header sundial_version.h, in the
# build tree's generated/ folder): link it and #include "sundial_version.h".
set(SUNDIAL_GENERATED_DIR ${PROJECT_BINARY_DIR}/generated)
set(SUNDIAL_VERSION_CC ${SUNDIAL_GENERATED_DIR}/sundial_version.cc)
configure_file(${CMAKE_CURRENT_LIST_DIR}/sundial_version.h.in ${SUNDIAL_GENERATED_DIR}/sundial_version.h
               COPYONLY)
set(SUNDIAL_WRITE_VERSION
    ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DVERSION=${PROJECT_VERSION}
    -DTEMPLATE=${CMAKE_CURRENT_LIST_DIR}/sundial_version.cc.in -DOUTPUT=${SUNDIAL_VERSION_CC}
    -P ${CMAKE_CURRENT_LIST_DIR}/write_version.cmake)
# Once now, so the source exists for the first build; then at every build
# (the file is rewritten only when its text changes, so nothing relinks
# for an unchanged commit).
execute_process(COMMAND ${SUNDIAL_WRITE_VERSION})
add_custom_target(sundial_version_stamp
  COMMAND ${SUNDIAL_WRITE_VERSION}
  BYPRODUCTS ${SUNDIAL_VERSION_CC}
  COMMENT "Reading the version (git describe)"
  VERBATIM)
add_library(sundial_version STATIC ${SUNDIAL_VERSION_CC})
add_dependencies(sundial_version sundial_version_stamp)
target_include_directories(sundial_version PUBLIC ${SUNDIAL_GENERATED_DIR})
set_target_properties(sundial_version PROPERTIES POSITION_INDEPENDENT_CODE ON)
