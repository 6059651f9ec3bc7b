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
# The build type goes into `cardsim --version`: a Debug or sanitizer build
# runs many times slower, and a bug report should say which one it was.
set(CARDSIM_BUILD_TYPE "${CMAKE_BUILD_TYPE}")
if(NOT CARDSIM_BUILD_TYPE)
  set(CARDSIM_BUILD_TYPE "no build type")
endif()
if(CARDSIM_SANITIZE)
  string(APPEND CARDSIM_BUILD_TYPE ", ASan+UBSan")
elseif(CARDSIM_TSAN)
  string(APPEND CARDSIM_BUILD_TYPE ", TSan")
endif()
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/sim/results/version.h.in ${CMAKE_CURRENT_BINARY_DIR}/generated/results/version.h @ONLY)
