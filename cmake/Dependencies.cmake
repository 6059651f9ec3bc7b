# Every library cardsim links, found from Debian's packages (scripts/install-deps.sh).
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_package(Eigen3 3.4 REQUIRED NO_MODULE)
find_package(HDF5 REQUIRED COMPONENTS C HL)  # HL: dimension scales (H5DS)
find_package(yaml-cpp REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(ZLIB REQUIRED)  # compresses HDF5 chunks in parallel (sim/h5.cpp)
find_path(RANDOM123_INCLUDE_DIR Random123/philox.h REQUIRED)

add_library(cardsim_deps INTERFACE)
target_link_libraries(cardsim_deps INTERFACE Boost::program_options Eigen3::Eigen hdf5::hdf5 hdf5::hdf5_hl yaml-cpp
                                             OpenMP::OpenMP_CXX ZLIB::ZLIB)
target_include_directories(cardsim_deps SYSTEM INTERFACE ${RANDOM123_INCLUDE_DIR})

if(CARDSIM_SANITIZE)
  set(CARDSIM_SAN_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_compile_options(cardsim_deps INTERFACE ${CARDSIM_SAN_FLAGS})
  target_link_options(cardsim_deps INTERFACE ${CARDSIM_SAN_FLAGS})
endif()

# MPI is optional: with it `cardsim sweep` under mpirun shares runs across
# ranks; without it the same command runs on one machine only.
option(CARDSIM_WITH_MPI "Build MPI support for sweeps when MPI is found" ON)
if(CARDSIM_WITH_MPI)
  find_package(MPI COMPONENTS CXX)
endif()
if(MPI_CXX_FOUND)
  target_link_libraries(cardsim_deps INTERFACE MPI::MPI_CXX)
  target_compile_definitions(cardsim_deps INTERFACE CARDSIM_MPI)
  message(STATUS "cardsim: MPI found, sweeps can run under mpirun")
else()
  message(STATUS "cardsim: MPI not found or disabled, sweeps run on one machine")
endif()

# ThreadSanitizer: meant for clang with LLVM's libomp, whose Archer tool
# (OMP_TOOL_LIBRARIES=libarcher.so at run time) reports OpenMP's barriers and
# locks to TSan. With gcc, libgomp is uninstrumented and TSan reports races
# on synchronisation it cannot see.
option(CARDSIM_TSAN "Build with ThreadSanitizer" OFF)
if(CARDSIM_TSAN)
  set(CARDSIM_TSAN_FLAGS -fsanitize=thread -fno-omit-frame-pointer)
  target_compile_options(cardsim_deps INTERFACE ${CARDSIM_TSAN_FLAGS})
  target_link_options(cardsim_deps INTERFACE ${CARDSIM_TSAN_FLAGS})
endif()
