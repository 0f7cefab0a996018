# Install rules, included from the top-level CMakeLists.txt.
#   P/bin/hsweep
#   P/include/hsweep/kernel.h                 the whole plug-in interface
#   P/share/hsweep/slurm/*.sbatch, local-cluster.sh, README.md
#   P/share/hsweep/analysis/*.py, README.md  (HSWEEP_INSTALL_PYTHONDIR moves them)
#   P/lib/cmake/hsweep/hsweepConfig.cmake    find_package(hsweep): hsweep::kernel, hsweep::hsweep
#   P/lib/pkgconfig/hsweep.pc                pkg-config --cflags hsweep
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(HSWEEP_INSTALL_PYTHONDIR "${CMAKE_INSTALL_DATADIR}/hsweep/analysis" CACHE STRING
  "where the analysis modules go (relative to the prefix, or absolute: e.g. a site-packages directory)")
set(HSWEEP_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/hsweep")

# The plug-in interface: a header-only target (plug-ins link nothing of
# hsweep; hs_param_* and hs_out_* resolve from the executable that loads them:
# they are in hs_kernel_rt, linked into hsweep, which exports them).
add_library(hs_kernel_api INTERFACE)
set_target_properties(hs_kernel_api PROPERTIES EXPORT_NAME kernel)
target_include_directories(hs_kernel_api INTERFACE
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

# The installed binary keeps the library directories it was linked with that
# are not the system's (an MPI or HDF5 under /opt), as the build's did.
set_target_properties(hsweep PROPERTIES INSTALL_RPATH_USE_LINK_PATH TRUE)
install(TARGETS hsweep hs_kernel_api EXPORT hsweepTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_SOURCE_DIR}/include/hsweep/kernel.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/hsweep)
# The binary looks for its templates in ../share/hsweep/slurm (src/cli/cmd_submit.c).
install(FILES ${CMAKE_SOURCE_DIR}/slurm/requeue.sbatch ${CMAKE_SOURCE_DIR}/slurm/srun.sbatch
  ${CMAKE_SOURCE_DIR}/slurm/mpirun.sbatch ${CMAKE_SOURCE_DIR}/slurm/collate.sbatch
  ${CMAKE_SOURCE_DIR}/slurm/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/hsweep/slurm)
install(PROGRAMS ${CMAKE_SOURCE_DIR}/slurm/local-cluster.sh DESTINATION ${CMAKE_INSTALL_DATADIR}/hsweep/slurm)
install(FILES ${CMAKE_SOURCE_DIR}/analysis/hsweep_results.py ${CMAKE_SOURCE_DIR}/analysis/hsweep_plot.py
  ${CMAKE_SOURCE_DIR}/analysis/README.md DESTINATION ${HSWEEP_INSTALL_PYTHONDIR})
install(FILES ${CMAKE_SOURCE_DIR}/examples/plugin/CMakeLists.txt ${CMAKE_SOURCE_DIR}/examples/plugin/Makefile
  ${CMAKE_SOURCE_DIR}/examples/plugin/README.md ${CMAKE_SOURCE_DIR}/examples/plugin/logistic.c
  ${CMAKE_SOURCE_DIR}/examples/plugin/logistic.cfg DESTINATION ${CMAKE_INSTALL_DATADIR}/hsweep/examples/plugin)

# The man page and bash completion (generated from --help) are installed by cmake/cli_docs.cmake:
#   man:        ${CMAKE_INSTALL_MANDIR}/man1/hsweep.1
#   completion: ${CMAKE_INSTALL_DATADIR}/bash-completion/completions/hsweep

install(EXPORT hsweepTargets NAMESPACE hsweep:: DESTINATION ${HSWEEP_INSTALL_CMAKEDIR})
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/hsweepConfig.cmake.in
  ${CMAKE_BINARY_DIR}/generated/hsweepConfig.cmake INSTALL_DESTINATION ${HSWEEP_INSTALL_CMAKEDIR}
  PATH_VARS CMAKE_INSTALL_DATADIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/generated/hsweepConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/generated/hsweepConfig.cmake
  ${CMAKE_BINARY_DIR}/generated/hsweepConfigVersion.cmake DESTINATION ${HSWEEP_INSTALL_CMAKEDIR})

# pkg-config: written at install time, so that it names the prefix given to
# `cmake --install --prefix P` (pkg-config does not tidy ${pcfiledir}/../..).
install(CODE "
  set(HS_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  set(CMAKE_INSTALL_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(CMAKE_INSTALL_INCLUDEDIR \"${CMAKE_INSTALL_INCLUDEDIR}\")
  set(CMAKE_INSTALL_DATADIR \"${CMAKE_INSTALL_DATADIR}\")
  set(PROJECT_VERSION \"${PROJECT_VERSION}\")
  configure_file(\"${CMAKE_SOURCE_DIR}/cmake/hsweep.pc.in\" \"${CMAKE_BINARY_DIR}/generated/install/hsweep.pc\" @ONLY)")
install(FILES ${CMAKE_BINARY_DIR}/generated/install/hsweep.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
