# Writes the version source (sundial_version.cc.in → OUTPUT) with VERSION
# and the source tree's `git describe --always --dirty`; run by
# version.cmake at configure time and at every build:
#   cmake -DSOURCE_DIR=<src> -DVERSION=<x.y.z> -DTEMPLATE=<.in> -DOUTPUT=<.cc> -P write_version.cmake
#
# `git describe --dirty` refreshes the index and may write it (taking
# index.lock while another git command runs in the same tree), so "dirty"
# is asked of `git status` without optional locks instead: the same answer
# (tracked files changed; untracked ones do not count), and the build never
# writes to .git.
cmake_minimum_required(VERSION 3.20)
set(SUNDIAL_GIT_DESCRIBE "")
find_program(GIT_PROGRAM git)
if(GIT_PROGRAM AND EXISTS "${SOURCE_DIR}/.git")
  set(ENV{GIT_OPTIONAL_LOCKS} 0)
  execute_process(COMMAND ${GIT_PROGRAM} -C ${SOURCE_DIR} describe --always
                  OUTPUT_VARIABLE describe OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE describe_rc ERROR_QUIET)
  if(describe_rc EQUAL 0 AND NOT describe STREQUAL "")
    execute_process(COMMAND ${GIT_PROGRAM} -C ${SOURCE_DIR} status --porcelain --untracked-files=no
                    OUTPUT_VARIABLE changes RESULT_VARIABLE status_rc ERROR_QUIET)
    if(status_rc EQUAL 0 AND NOT changes STREQUAL "")
      string(APPEND describe "-dirty")
    endif()
    set(SUNDIAL_GIT_DESCRIBE "${describe}")
  endif()
endif()
set(SUNDIAL_VERSION "${VERSION}")
configure_file(${TEMPLATE} ${OUTPUT} @ONLY)
