# senet serve (issue 21) end to end: a server on a free loopback port, real
# clients (Python's http.client, curl, headless Chromium for the page).
# scripts/deps.sh --test installs curl and chromium; without libmicrohttpd
# (scripts/deps.sh) senet serve is not built and these fail, not skip.
set(SENET_SERVE_TEST_ARGS $<TARGET_FILE:senet_cli> ${PROJECT_SOURCE_DIR}/../shared/data/cifar10-jpeg.tar.gz
                          ${PROJECT_SOURCE_DIR}/models/se_resnet20_cifar10.safetensors)
foreach(part endpoints limits batching)
  add_test(NAME serve_${part} COMMAND ${SENET_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/serve/test_${part}.py
                                      ${SENET_SERVE_TEST_ARGS})
  set_tests_properties(serve_${part} PROPERTIES TIMEOUT 300)
endforeach()
# The page in a browser; its screenshot is left in the build folder.
add_test(NAME serve_page COMMAND ${SENET_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/serve/test_page.py ${SENET_SERVE_TEST_ARGS}
                                 ${CMAKE_BINARY_DIR}/serve_page.png ${PROJECT_SOURCE_DIR}/build/photos)
set_tests_properties(serve_page PROPERTIES TIMEOUT 300)
