# The PyTorch reference tests (tests/ref/): whole networks, SE variants,
# training steps, parameter counts and weight files against torch.
foreach(name params arch_forward se_variants step roundtrip)
  add_test(NAME torch_${name}
           COMMAND ${SENET_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/ref/test_${name}.py --senet $<TARGET_FILE:senet_cli>)
  set_tests_properties(torch_${name} PROPERTIES TIMEOUT 1800)
endforeach()

add_test(NAME torch_schedule
         COMMAND ${SENET_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/ref/test_schedule.py --lib $<TARGET_FILE:senet>)
