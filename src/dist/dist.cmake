# The dist floor (floor 5): the process group of data-parallel training, on
# MPI when CMake finds it (Debian: libopenmpi-dev or libmpich-dev), else a
# group of one. A library of its own so that libsenet links no MPI.
option(SENET_MPI "Build data-parallel training on MPI when MPI is found" ON)
if(SENET_MPI)
  find_package(MPI COMPONENTS C)
endif()
set(SENET_DIST_SOURCES ${PROJECT_SOURCE_DIR}/src/dist/dist_common.c)
if(MPI_C_FOUND)
  list(APPEND SENET_DIST_SOURCES ${PROJECT_SOURCE_DIR}/src/dist/dist_mpi.c)
  message(STATUS "senet: MPI found (${MPI_C_LIBRARIES}): data-parallel training and its tests are built")
elseif(NOT SENET_MPI)
  list(APPEND SENET_DIST_SOURCES ${PROJECT_SOURCE_DIR}/src/dist/dist_none.c)
  message(STATUS "senet: MPI off (SENET_MPI=OFF): senet runs as one process; the MPI tests are left out")
else()
  list(APPEND SENET_DIST_SOURCES ${PROJECT_SOURCE_DIR}/src/dist/dist_none.c)
  # Loud, so that a CI machine without MPI does not pass by leaving the MPI tests out.
  message(WARNING "senet: MPI not found: senet runs as one process and the MPI tests (tests/mpi) are left out; "
                  "install libopenmpi-dev or libmpich-dev (scripts/deps.sh --test) to build them")
endif()
add_library(senet_dist STATIC ${SENET_DIST_SOURCES})
target_include_directories(senet_dist PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src)
if(MPI_C_FOUND)
  target_link_libraries(senet_dist PUBLIC MPI::MPI_C)
endif()
target_link_libraries(senet_cli PRIVATE senet_dist)
