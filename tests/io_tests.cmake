# The io floor: safetensors reading and writing, and the JSON header parser.
add_executable(io_test ${CMAKE_CURRENT_SOURCE_DIR}/io_test.c)
target_link_libraries(io_test PRIVATE senet_internal)
target_include_directories(io_test PRIVATE ${PROJECT_SOURCE_DIR}/src)
add_test(NAME io_test COMMAND io_test)
# Self-describing model files and finite inputs through the public API (issue 20).
add_executable(model_meta_test ${CMAKE_CURRENT_SOURCE_DIR}/model_meta_test.c)
target_link_libraries(model_meta_test PRIVATE senet_static m)
add_test(NAME model_meta COMMAND model_meta_test)
