#!/usr/bin/env bash
# Installs the Debian packages cardsim needs, by purpose:
#
#   scripts/install-deps.sh            the run set: build cardsim and run it (`make run`)
#   scripts/install-deps.sh --test     + the test set (`make test`, sanitizers, fuzzing, CI)
#   scripts/install-deps.sh --paper    + the paper set (`make paper`): analysis and LaTeX
#
# Options combine (--test --paper). When every package of the chosen sets is
# already installed it does nothing: no root, no network.
set -euo pipefail

# Build and run: compiler, CMake, and the libraries cardsim links.
run_set=(
  build-essential cmake
  libboost-program-options-dev  # command line
  libeigen3-dev                 # least squares in sensitivity and calibration
  libhdf5-dev zlib1g-dev        # results files; chunks compressed with zlib on many threads
  libyaml-cpp-dev               # scenarios
  librandom123-dev              # Philox counter-based random streams
)
# Tests: the suite, the MPI and Slurm parts, sanitizers, the fuzzer, the
# Python readers and report, and the install/.deb checks.
test_set=(
  catch2
  libopenmpi-dev openmpi-bin                    # MPI sweeps and their determinism test
  slurm-wlm munge                               # one-node Slurm for the sbatch test
  clang libclang-rt-14-dev libomp-14-dev        # TSan (with libomp's Archer) and libFuzzer
  hdf5-tools                                    # h5diff: bench's bit-identity checks
  python3 python3-h5py python3-numpy python3-pandas python3-matplotlib python3-pytest
  python3-xarray python3-h5netcdf               # open_dataset and the xarray test
  python3-venv python3-pip python3-setuptools   # pip install of analysis/ into a venv
  chromium                                      # renders the HTML report headless
  help2man dpkg-dev                             # man page, and dpkg-shlibdeps for the .deb
)
# The paper: its pipeline's analysis and LaTeX.
paper_set=(
  python3 python3-h5py python3-numpy python3-pandas python3-matplotlib python3-scipy
  latexmk texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended
  biber texlive-bibtex-extra   # the bibliography (biblatex)
  poppler-utils                # pdftotext for the paper's text checks
)

packages=("${run_set[@]}")
for arg in "$@"; do
  case "$arg" in
    --test) packages+=("${test_set[@]}") ;;
    --paper) packages+=("${paper_set[@]}") ;;
    *) echo "install-deps: unknown option '$arg' (use --test and/or --paper)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${#missing[@]} missing Debian packages: ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; as root run: apt-get install ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
