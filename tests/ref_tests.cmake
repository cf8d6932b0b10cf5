# The PyTorch reference tests (tests/ref/): whole networks, SE variants,
# training steps, parameter counts and weight files against torch.
foreach(name params arch_forward se_variants step roundtrip pth)
  add_test(NAME torch_${name}
           COMMAND ${SENET_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/ref/test_${name}.py --senet $<TARGET_FILE:senet_cli>)
  set_tests_properties(torch_${name} PROPERTIES TIMEOUT 1800)
endforeach()

add_test(NAME torch_schedule
         COMMAND ${SENET_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/ref/test_schedule.py --lib $<TARGET_FILE:senet>)
if(SENET_SANITIZE)
  # Python loads the instrumented libsenet.so through ctypes: the sanitizer
  # runtimes must come first, and Python's own allocations are not ours to check.
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so OUTPUT_VARIABLE asan_lib OUTPUT_STRIP_TRAILING_WHITESPACE)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libubsan.so OUTPUT_VARIABLE ubsan_lib OUTPUT_STRIP_TRAILING_WHITESPACE)
  set_tests_properties(torch_schedule PROPERTIES ENVIRONMENT "LD_PRELOAD=${asan_lib}:${ubsan_lib};ASAN_OPTIONS=detect_leaks=0")
endif()
