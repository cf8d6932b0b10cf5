# The io floor: safetensors reading and writing, and the JSON header parser.
add_executable(io_test ${CMAKE_CURRENT_SOURCE_DIR}/io_test.c)
target_link_libraries(io_test PRIVATE senet_internal)
target_include_directories(io_test PRIVATE ${PROJECT_SOURCE_DIR}/src)
add_test(NAME io_test COMMAND io_test)
