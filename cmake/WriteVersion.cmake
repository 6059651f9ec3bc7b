# Writes version.h with the commit the sources are at now. Run at configure
# time (cmake/Version.cmake) and again by every build (target cardsim_version),
# so that a rebuild after a commit, without re-running cmake, does not name
# the commit before it in `cardsim --version` and in every output file.
# configure_file rewrites the header only when its text changes: a build with
# no new commit recompiles nothing.
#   cmake -DSOURCE_DIR=... -DOUTPUT=... -DPROJECT_VERSION=... -DCARDSIM_BUILD_TYPE=... -P WriteVersion.cmake
execute_process(COMMAND git rev-parse --short=12 HEAD
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE CARDSIM_GIT_COMMIT OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT CARDSIM_GIT_COMMIT)
  set(CARDSIM_GIT_COMMIT "unknown")
endif()
execute_process(COMMAND git status --porcelain --untracked-files=no
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE CARDSIM_GIT_DIRTY OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(CARDSIM_GIT_DIRTY)
  set(CARDSIM_GIT_COMMIT "${CARDSIM_GIT_COMMIT}-dirty")
endif()
configure_file(${SOURCE_DIR}/sim/results/version.h.in ${OUTPUT} @ONLY)
