# The data floor's tests (src/data): the readers against facts of their
# formats and a few images of the CIFAR-10 JPEG archive, preprocessing, the
# loader; and the public data API as an embedding program sees it, through
# libsenet_data.so (public_data_api, below in CMakeLists.txt, drives it).
foreach(name data_cifar_folder_test data_formats_test data_preprocess_test data_loader_test)
  add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/data/${name}.c)
  target_link_libraries(${name} PRIVATE senet_data_internal)
endforeach()
add_test(NAME data_cifar_folder_test COMMAND data_cifar_folder_test ${SENET_CIFAR_ARCHIVE})
add_test(NAME data_formats_test COMMAND data_formats_test)
add_test(NAME data_preprocess_test COMMAND data_preprocess_test)
add_test(NAME data_loader_test COMMAND data_loader_test)
add_executable(public_api_test ${CMAKE_CURRENT_SOURCE_DIR}/data/public_api_test.c)
target_link_libraries(public_api_test PRIVATE senet_data_shared)
