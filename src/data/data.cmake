# The data floor (floor 5): dataset readers, JPEG/PNG decoding, augmentation
# and the background batch loader, as a library of its own so that libsenet
# links no image codec. Debian: libjpeg62-turbo-dev (or libjpeg-dev),
# libpng-dev, zlib1g-dev. Its public header is include/senet_data.h.
#
# Built twice, each with the core inside, so that the data calls and
# libsenet's share one error state and a program links one library:
# libsenet_data.so (the core's internals hidden) and libsenet_data.a (the
# core's internals made local, as in libsenet.a: a static program may still
# name libsenet.a after it, whose copy is then left unused).
find_package(JPEG REQUIRED)
find_package(PNG REQUIRED)
find_package(ZLIB REQUIRED)
find_package(Threads REQUIRED)

file(GLOB SENET_DATA_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/data/*.c)
add_library(senet_data_objects OBJECT ${SENET_DATA_SOURCES})
set_target_properties(senet_data_objects PROPERTIES POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden)
target_include_directories(senet_data_objects PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(senet_data_objects PUBLIC JPEG::JPEG PNG::PNG ZLIB::ZLIB Threads::Threads OpenMP::OpenMP_C)

add_library(senet_data STATIC $<TARGET_OBJECTS:senet_data_objects> $<TARGET_OBJECTS:senet_objects>)
target_include_directories(senet_data PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>)
target_link_libraries(senet_data PUBLIC JPEG::JPEG PNG::PNG ZLIB::ZLIB OpenMP::OpenMP_C Threads::Threads m)
senet_localize_archive(senet_data)

# With the internal names, for the CLI and the data floor's own tests.
add_library(senet_data_internal STATIC $<TARGET_OBJECTS:senet_data_objects>)
target_include_directories(senet_data_internal PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(senet_data_internal PUBLIC senet_internal JPEG::JPEG PNG::PNG ZLIB::ZLIB Threads::Threads m)

add_library(senet_data_shared SHARED $<TARGET_OBJECTS:senet_data_objects> $<TARGET_OBJECTS:senet_objects>)
target_link_libraries(senet_data_shared PRIVATE JPEG::JPEG PNG::PNG ZLIB::ZLIB PUBLIC OpenMP::OpenMP_C Threads::Threads m)
target_include_directories(senet_data_shared PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>)
set_target_properties(senet_data_shared PROPERTIES OUTPUT_NAME senet_data VERSION ${PROJECT_VERSION} SOVERSION 0)

configure_file(${PROJECT_SOURCE_DIR}/senet_data.pc.in ${CMAKE_BINARY_DIR}/senet_data.pc @ONLY)
set_target_properties(senet_data PROPERTIES EXPORT_NAME data_static)
set_target_properties(senet_data_shared PROPERTIES EXPORT_NAME data)
install(TARGETS senet_data senet_data_shared EXPORT senetTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/senet_data.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${CMAKE_BINARY_DIR}/senet_data.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)


# The CLI's train, eval and classify commands read data.
target_link_libraries(senet_cli PRIVATE senet_data_internal)

# An embedding program's view: examples/ and the public data API test use
# only the public headers, linked against libsenet_data.so.
add_executable(example_classify ${PROJECT_SOURCE_DIR}/examples/classify.c)
target_link_libraries(example_classify PRIVATE senet_data_shared m)
add_executable(example_train ${PROJECT_SOURCE_DIR}/examples/train.c)
target_link_libraries(example_train PRIVATE senet_data_shared)
