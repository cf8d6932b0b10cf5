# Rewrites the static library ARCHIVE so that it exports only the public
# API (issue 17): its objects are linked into one relocatable object
# (ld -r), whose hidden symbols (every internal function: the library is
# compiled with -fvisibility=hidden and the API is marked default) are made
# local, so a program that links libsenet.a can define its own
# `conv2d_forward` or `rng_next` without a clash.
#   cmake -DARCHIVE=libsenet.a -DLINKER=ld -DOBJCOPY=objcopy -DAR=ar -P localize_archive.cmake
get_filename_component(dir ${ARCHIVE} DIRECTORY)
get_filename_component(name ${ARCHIVE} NAME_WE)
set(object ${dir}/${name}.localized.o)
execute_process(COMMAND ${LINKER} -r --whole-archive ${ARCHIVE} -o ${object} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ld -r of ${ARCHIVE} failed")
endif()
execute_process(COMMAND ${OBJCOPY} --localize-hidden ${object} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "objcopy --localize-hidden of ${object} failed")
endif()
file(REMOVE ${ARCHIVE})
execute_process(COMMAND ${AR} rcs ${ARCHIVE} ${object} RESULT_VARIABLE rc)
file(REMOVE ${object})
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ar of ${ARCHIVE} failed")
endif()
