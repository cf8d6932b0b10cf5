# The data floor (floor 5): dataset readers, JPEG/PNG decoding, augmentation
# and the background batch loader, as a library of its own so that libsenet
# links no image codec. Debian: libjpeg62-turbo-dev (or libjpeg-dev),
# libpng-dev, zlib1g-dev.
find_package(JPEG REQUIRED)
find_package(PNG REQUIRED)
find_package(ZLIB REQUIRED)
find_package(Threads REQUIRED)

file(GLOB SENET_DATA_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/data/*.c)
add_library(senet_data STATIC ${SENET_DATA_SOURCES})
target_include_directories(senet_data PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(senet_data PUBLIC senet_static JPEG::JPEG PNG::PNG ZLIB::ZLIB Threads::Threads m)

if(SENET_BUILD_TESTS)
  # The reader tests extract a few images from the CIFAR-10 JPEG archive;
  # in CI the shared folder sits beside the repository.
  set(SENET_SHARED_DATA ${PROJECT_SOURCE_DIR}/../shared/data CACHE PATH "The shared data folder (cifar10-jpeg.tar.gz)")
  foreach(name data_cifar_folder_test data_formats_test data_preprocess_test data_loader_test)
    add_executable(${name} ${PROJECT_SOURCE_DIR}/tests/data/${name}.c)
    target_link_libraries(${name} PRIVATE senet_data)
  endforeach()
  add_test(NAME data_cifar_folder_test COMMAND data_cifar_folder_test ${SENET_SHARED_DATA}/cifar10-jpeg.tar.gz)
  add_test(NAME data_formats_test COMMAND data_formats_test)
  add_test(NAME data_preprocess_test COMMAND data_preprocess_test)
  add_test(NAME data_loader_test COMMAND data_loader_test)
endif()

# The CLI's train, eval and classify commands read data.
target_link_libraries(senet_cli PRIVATE senet_data)
