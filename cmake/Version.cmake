# Embeds the git commit so every output names its code: at configure time and
# again at every build (cmake/WriteVersion.cmake, target cardsim_version).
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
set(CARDSIM_VERSION_HEADER ${CMAKE_CURRENT_BINARY_DIR}/generated/results/version.h)
set(CARDSIM_WRITE_VERSION
    -DSOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR} -DOUTPUT=${CARDSIM_VERSION_HEADER}
    -DPROJECT_VERSION=${PROJECT_VERSION} -DCARDSIM_BUILD_TYPE=${CARDSIM_BUILD_TYPE}
    -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/WriteVersion.cmake)
execute_process(COMMAND ${CMAKE_COMMAND} ${CARDSIM_WRITE_VERSION})
add_custom_target(cardsim_version COMMAND ${CMAKE_COMMAND} ${CARDSIM_WRITE_VERSION}
                  BYPRODUCTS ${CARDSIM_VERSION_HEADER} VERBATIM)
