# Embeds the git commit at configure time so every output names its code.
execute_process(COMMAND git rev-parse --short=12 HEAD
                WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
                OUTPUT_VARIABLE CARDSIM_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT CARDSIM_GIT_COMMIT)
  set(CARDSIM_GIT_COMMIT "unknown")
endif()
execute_process(COMMAND git status --porcelain --untracked-files=no
                WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
                OUTPUT_VARIABLE CARDSIM_GIT_DIRTY OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(CARDSIM_GIT_DIRTY)
  set(CARDSIM_GIT_COMMIT "${CARDSIM_GIT_COMMIT}-dirty")
endif()
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/sim/results/version.h.in ${CMAKE_CURRENT_BINARY_DIR}/generated/results/version.h @ONLY)
