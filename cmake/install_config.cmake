# Run by `cmake --install` (install.cmake) with CMAKE_INSTALL_PREFIX as
# given then: installs the example configuration as etc/sundial/sundial.toml
# (never over an existing one: it is the operator's) and the systemd unit
# configured with this prefix's paths. With --prefix /usr the configuration
# goes to /etc, as GNUInstallDirs does. DESTDIR is honoured by file(INSTALL).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(SUNDIAL_ETC_DIR "/etc/sundial")
else()
  set(SUNDIAL_ETC_DIR "${CMAKE_INSTALL_PREFIX}/etc/sundial")
endif()
set(SUNDIAL_BIN_DIR "${CMAKE_INSTALL_PREFIX}/bin")
set(SUNDIAL_CONFIG "${SUNDIAL_ETC_DIR}/sundial.toml")

if(EXISTS "$ENV{DESTDIR}${SUNDIAL_CONFIG}")
  message(STATUS "Keeping: $ENV{DESTDIR}${SUNDIAL_CONFIG} (the example is in share/sundial/examples)")
else()
  file(INSTALL DESTINATION "${SUNDIAL_ETC_DIR}" TYPE FILE FILES "${SUNDIAL_DIST_DIR}/sundial.toml")
endif()

configure_file("${SUNDIAL_DIST_DIR}/sundiald.service.in" "${SUNDIAL_STAGING_DIR}/sundiald.service" @ONLY)
file(INSTALL DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system" TYPE FILE
     FILES "${SUNDIAL_STAGING_DIR}/sundiald.service")
