# hsweep's man page and bash completion, and their install rules.
# The man page is made at build time by Debian's help2man from `hsweep --help`,
# `--version` and every subcommand's --help; without help2man the build
# succeeds and there is no man page.
include(GNUInstallDirs)
find_program(HELP2MAN help2man)
if(HELP2MAN)
  add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/hsweep.1
    COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/make_man.sh $<TARGET_FILE:hsweep> ${HELP2MAN}
      ${CMAKE_BINARY_DIR}/hsweep.1
    DEPENDS hsweep ${CMAKE_CURRENT_LIST_DIR}/make_man.sh
    COMMENT "Generating the man page hsweep.1 (help2man)")
  add_custom_target(hsweep_man ALL DEPENDS ${CMAKE_BINARY_DIR}/hsweep.1)
  install(FILES ${CMAKE_BINARY_DIR}/hsweep.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found: no man page (apt-get install help2man)")
endif()
install(FILES ${CMAKE_SOURCE_DIR}/completion/hsweep.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME hsweep)
