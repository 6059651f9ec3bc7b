# Installation and packaging: `cmake --install build/release --prefix DIR`
# (no root needed for a prefix you own) and `make deb` (CPack's DEB generator).
#
#   DIR/bin/cardsim                      the simulator
#   DIR/bin/cardsim-analysis             the Python analysis package's command
#   DIR/share/cardsim/scenarios/         baseline, policies, sweeps, paper scenarios
#   DIR/share/cardsim/docs/              model, parameters, sweeps, reliability, README
#   DIR/share/cardsim/python/            the cardsim_analysis package (readers, figures, report)
#   DIR/share/cardsim/slurm/             submit.sh, sweep.sbatch, merge.sbatch (they find cardsim on PATH)
#   DIR/share/man/man1/cardsim.1         man page made from `cardsim --help` (when help2man is present)
include(GNUInstallDirs)

install(TARGETS cardsim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY scenarios/ DESTINATION ${CMAKE_INSTALL_DATADIR}/cardsim/scenarios)
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/cardsim/docs)
install(FILES README.md CHANGELOG.md CITATION.cff DESTINATION ${CMAKE_INSTALL_DATADIR}/cardsim/docs)
install(DIRECTORY analysis/cardsim_analysis DESTINATION ${CMAKE_INSTALL_DATADIR}/cardsim/python
        PATTERN __pycache__ EXCLUDE PATTERN *.pyc EXCLUDE)
# The wrapper finds the package relative to itself, so any prefix works.
install(PROGRAMS cmake/cardsim-analysis.in DESTINATION ${CMAKE_INSTALL_BINDIR} RENAME cardsim-analysis)
install(PROGRAMS scripts/slurm/submit.sh scripts/slurm/sweep.sbatch scripts/slurm/merge.sbatch
        DESTINATION ${CMAKE_INSTALL_DATADIR}/cardsim/slurm)

# The man page is generated from the built binary's --help and --version, so it
# never drifts from the program. help2man is optional at build time.
find_program(HELP2MAN help2man)
if(HELP2MAN)
  set(CARDSIM_MANPAGE ${CMAKE_CURRENT_BINARY_DIR}/cardsim.1)
  add_custom_command(OUTPUT ${CARDSIM_MANPAGE}
                     COMMAND ${HELP2MAN} --no-info --no-discard-stderr
                             --name "agent-based simulation of the SIM-card black market"
                             --output ${CARDSIM_MANPAGE} $<TARGET_FILE:cardsim>
                     DEPENDS cardsim VERBATIM COMMENT "man page cardsim.1 from cardsim --help")
  add_custom_target(cardsim_manpage ALL DEPENDS ${CARDSIM_MANPAGE})
  install(FILES ${CARDSIM_MANPAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "cardsim: help2man not found, no man page (apt-get install help2man)")
endif()

# Debian package. dpkg-shlibdeps reads the binary's libraries and names their
# Debian packages (HDF5, yaml-cpp, Boost.Program_options, libgomp, Open MPI),
# so the dependencies follow whatever the build linked.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cardsim)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "cardsim maintainers <cardsim@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "agent-based simulation of the SIM-card black market that feeds telecom fraud")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The analysis side (cardsim-analysis, `cardsim compare --report`) is recommended, not required.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3, python3-numpy, python3-pandas, python3-h5py, python3-matplotlib")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3-xarray, python3-h5netcdf, openmpi-bin, slurm-client")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
