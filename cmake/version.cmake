# cmake -DSRC=DIR -DIN=version.h.in -DOUT=FILE -DPROJECT_VERSION=V -P version.cmake
# The version header: HS_GIT_COMMIT is the commit SRC has checked out when
# this runs (at every build, not only when cmake configures: a results file
# names the commit it was written by).  OUT is rewritten only when its text
# changes, so that an unchanged commit recompiles nothing.
execute_process(COMMAND git rev-parse --short=12 HEAD
  WORKING_DIRECTORY ${SRC} OUTPUT_VARIABLE HS_GIT_COMMIT
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT HS_GIT_COMMIT)
  set(HS_GIT_COMMIT "unknown")
endif()
configure_file(${IN} ${OUT} @ONLY)
