# The data shipped with sundiald: the email templates (templates/) and the
# Lua workflow scripts (workflows/<family>/*.lua). The binaries find it at
# run time in <exe dir>/../share/sundial (workflows/shipped_scripts.h), so
# no path is compiled in. An install puts it there (install.cmake); in the
# build tree, share/sundial links to the source tree, so a sundiald run
# from its build directory uses the sources' files, edits included.
file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/share/sundial)
foreach(folder templates workflows)
  file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${folder} ${PROJECT_BINARY_DIR}/share/sundial/${folder} SYMBOLIC)
endforeach()
