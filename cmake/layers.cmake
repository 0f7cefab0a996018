# The layer check, included from the top-level CMakeLists.txt.  A library
# is linked with every one of its objects (whole archive) and, besides the
# system's libraries, only the hsweep libraries below it; an executable
# linked so fails with "undefined reference" on any call the wrong way
# (e.g. a kernel calling core), which linking hsweep itself can miss (a
# static library's object is only pulled in when something needs it).
# Built with everything else; tests/mpi/layers.sh also names the symbol.
#   hs_layer_numeric     hs_numeric alone
#   hs_layer_kernel_rt   hs_kernel_rt + hs_numeric
#   hs_layer_kernels     hs_kernels + hs_kernel_rt + hs_numeric
#   hs_layer_core        hs_core + hs_kernels + hs_kernel_rt + hs_numeric
set(HS_LAYERS numeric kernel_rt kernels core)
file(WRITE ${CMAKE_BINARY_DIR}/generated/layer_main.c "int main(void) { return 0; }\n")
add_custom_target(hs_layer_checks)
foreach(layer ${HS_LAYERS})
  add_executable(hs_layer_${layer} ${CMAKE_BINARY_DIR}/generated/layer_main.c)
  if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.24)
    target_link_libraries(hs_layer_${layer} PRIVATE "$<LINK_LIBRARY:WHOLE_ARCHIVE,hs_${layer}>")
  else()
    target_link_libraries(hs_layer_${layer} PRIVATE -Wl,--whole-archive hs_${layer} -Wl,--no-whole-archive)
  endif()
  set_target_properties(hs_layer_${layer} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/layers)
  add_dependencies(hs_layer_checks hs_layer_${layer})
endforeach()
