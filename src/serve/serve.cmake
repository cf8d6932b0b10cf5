# senet serve's HTTP server (issue 21): libmicrohttpd (Debian:
# libmicrohttpd-dev), in a library of its own that only the CLI links, as
# src/dist is for MPI, so that libsenet links no server. Without
# libmicrohttpd, `senet serve` (cli/cmd_serve.c, built without
# SENET_HAVE_SERVE) says how to get it and exits 2.
if(PkgConfig_FOUND)
  pkg_check_modules(SENET_MHD IMPORTED_TARGET libmicrohttpd>=0.9.71)
endif()
if(SENET_MHD_FOUND)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/serve_page.c
    COMMAND ${CMAKE_COMMAND} -DIN=${PROJECT_SOURCE_DIR}/src/serve/page.html -DOUT=${CMAKE_BINARY_DIR}/serve_page.c
            -DNAME=serve_page_html -P ${PROJECT_SOURCE_DIR}/src/serve/embed.cmake
    DEPENDS ${PROJECT_SOURCE_DIR}/src/serve/page.html ${PROJECT_SOURCE_DIR}/src/serve/embed.cmake)
  file(GLOB SENET_SERVE_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/serve/*.c)
  add_library(senet_serve STATIC ${SENET_SERVE_SOURCES} ${CMAKE_BINARY_DIR}/serve_page.c)
  target_include_directories(senet_serve PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(senet_serve PUBLIC senet_data_internal PkgConfig::SENET_MHD Threads::Threads m)
  target_link_libraries(senet_cli PRIVATE senet_serve)
  target_compile_definitions(senet_cli PRIVATE SENET_HAVE_SERVE)
  message(STATUS "senet: libmicrohttpd found: senet serve is built")
else()
  message(WARNING "senet: libmicrohttpd not found: senet serve is left out and its tests fail; "
                  "install libmicrohttpd-dev (scripts/deps.sh)")
endif()
