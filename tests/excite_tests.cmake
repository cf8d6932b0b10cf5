# The excitation analysis (TPAMI section 7): the library's capture and
# --se-off (C), and senet excite / --se-off against PyTorch's forward hooks.
add_executable(excite_api_test ${CMAKE_CURRENT_SOURCE_DIR}/excite_api_test.c)
target_link_libraries(excite_api_test PRIVATE senet_static m)
add_test(NAME excite_api COMMAND excite_api_test)
add_test(NAME torch_excite COMMAND ${SENET_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/ref/test_excite.py
                                   --senet $<TARGET_FILE:senet_cli>
                                   --archive ${SENET_CIFAR_ARCHIVE})
set_tests_properties(torch_excite PROPERTIES TIMEOUT 900)
if(SENET_SANITIZE)
  # its PNG figures go through fontconfig, which frees its caches only at exit (as classify_plot)
  set_tests_properties(torch_excite PROPERTIES ENVIRONMENT "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_SOURCE_DIR}/lsan.supp")
endif()
