# Tests of data-parallel training under mpiexec (only built when CMake found
# MPI; CI installs Open MPI, so there they always run). Two ranks on one host;
# the step test also runs three (oversubscribed on 2 cores).
add_executable(mpi_shard_test ${CMAKE_CURRENT_SOURCE_DIR}/mpi/shard_test.c)
target_link_libraries(mpi_shard_test PRIVATE senet_data senet_dist)
foreach(np 2 3)
  add_test(NAME mpi_shard_${np} COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${np} ${MPIEXEC_PREFLAGS}
           $<TARGET_FILE:mpi_shard_test> ${CMAKE_CURRENT_BINARY_DIR})
endforeach()
# Open MPI refuses root and more ranks than cores unless told; MPICH ignores these variables.
set_tests_properties(mpi_shard_2 mpi_shard_3 PROPERTIES ENVIRONMENT
  "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMPI_MCA_rmaps_base_oversubscribe=1")
add_test(NAME mpi_step COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/mpi/step_test.sh $<TARGET_FILE:senet_cli> ${MPIEXEC_EXECUTABLE})
add_test(NAME mpi_train COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/mpi/train_test.sh $<TARGET_FILE:senet_cli>
                                ${MPIEXEC_EXECUTABLE} ${PROJECT_SOURCE_DIR}/../shared/data/cifar10-jpeg.tar.gz)
set_tests_properties(mpi_train PROPERTIES TIMEOUT 900)
