# `cmake --install BUILD [--prefix DIR]` (docs/deployment.md):
#   bin/                          sundiald, sundialctl, sundial-bench, sundial-bench-probe
#   share/sundial/templates/      the email templates (templates/)
#   share/sundial/workflows/      the shipped Lua workflows (workflows/<family>/*.lua)
#   share/sundial/examples/       sundial.toml, sundiald.service: the examples as shipped
#   etc/sundial/sundial.toml      the example configuration, unless one is there already
#                                 (/etc/sundial with --prefix /usr)
#   lib/systemd/system/sundiald.service   the hardened unit, naming this prefix's paths
# sundiald finds share/sundial as <exe dir>/../share/sundial, so bin/ and
# share/ are fixed names here, whatever GNUInstallDirs would say.
install(TARGETS sundiald sundialctl sundial-bench sundial-bench-probe RUNTIME DESTINATION bin)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/templates/ DESTINATION share/sundial/templates
        FILES_MATCHING PATTERN "*.tmpl")
# Every family folder's scripts, the bench family's too (loaded only with
# --bench-workflows).
file(GLOB sundial_shipped_scripts RELATIVE ${PROJECT_SOURCE_DIR}/workflows CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/workflows/*/*.lua)
foreach(script IN LISTS sundial_shipped_scripts)
  get_filename_component(family ${script} DIRECTORY)
  install(FILES ${PROJECT_SOURCE_DIR}/workflows/${script} DESTINATION share/sundial/workflows/${family})
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/dist/sundial.toml ${PROJECT_SOURCE_DIR}/dist/sundiald.service.in
        DESTINATION share/sundial/examples)
# The config file and the unit name paths under the prefix, which is known
# only at install time (--prefix): install_config.cmake writes them then.
install(CODE "set(SUNDIAL_DIST_DIR \"${PROJECT_SOURCE_DIR}/dist\")
set(SUNDIAL_STAGING_DIR \"${PROJECT_BINARY_DIR}/install-staging\")")
install(SCRIPT ${CMAKE_CURRENT_LIST_DIR}/install_config.cmake)
