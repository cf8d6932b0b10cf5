# Op tests: backward against finite differences (gradcheck), every op
# against PyTorch (torch_ops), and the optimised GEMM and convolution
# against their plain references under each micro-kernel (gemm_*).

# gradcheck compiles the base, kernel and op sources a second time in
# double precision; it does not link senet_static, which is float.
file(GLOB GRADCHECK_OP_SOURCES CONFIGURE_DEPENDS
  ${PROJECT_SOURCE_DIR}/src/base/*.c ${PROJECT_SOURCE_DIR}/src/kernels/*.c ${PROJECT_SOURCE_DIR}/src/ops/*.c)
add_executable(gradcheck ${CMAKE_CURRENT_SOURCE_DIR}/gradcheck.c ${GRADCHECK_OP_SOURCES})
target_compile_definitions(gradcheck PRIVATE SENET_REAL_DOUBLE)
target_include_directories(gradcheck PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(gradcheck PRIVATE OpenMP::OpenMP_C Threads::Threads m)
add_test(NAME gradcheck COMMAND gradcheck)

# op_runner runs one op of the float library for the PyTorch comparison,
# and the fast-vs-plain check of GEMM and conv2d.
add_executable(op_runner ${CMAKE_CURRENT_SOURCE_DIR}/op_runner.c)
target_link_libraries(op_runner PRIVATE senet_internal)
target_include_directories(op_runner PRIVATE ${PROJECT_SOURCE_DIR}/src)

add_test(NAME torch_ops COMMAND ${SENET_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/ref/test_ops.py
  --runner $<TARGET_FILE:op_runner>)
# The same comparisons with the AVX-512 (without BF16), AVX2 and portable
# kernels (GEMM, Winograd transforms, direct and weight-gradient
# convolutions all follow SENET_ISA).
foreach(isa avx512 avx2 portable)
  add_test(NAME torch_ops_${isa} COMMAND ${SENET_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/ref/test_ops.py
    --runner $<TARGET_FILE:op_runner>)
  set_tests_properties(torch_ops_${isa} PROPERTIES ENVIRONMENT SENET_ISA=${isa} SKIP_RETURN_CODE 77)
endforeach()

# The fast-vs-plain cases under each micro-kernel (op_runner switches it in
# the process; `op_runner --fast-vs-plain` alone runs every one the CPU has).
# A kernel this CPU lacks is a skipped test, not a passed one.
foreach(isa avx512_bf16 avx512_vnni avx512 avx2 portable)
  add_test(NAME gemm_fast_vs_plain_${isa} COMMAND op_runner --fast-vs-plain --isa ${isa})
  set_tests_properties(gemm_fast_vs_plain_${isa} PROPERTIES SKIP_RETURN_CODE 77)
endforeach()
