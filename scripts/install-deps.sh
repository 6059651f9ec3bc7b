#!/usr/bin/env bash
# Installs every Debian package cardsim needs to build, test and analyse.
# Does nothing (and needs no network) when everything is already present.
# Usage: scripts/install-deps.sh [--paper]   (--paper adds texlive for `make paper`)
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang libclang-rt-14-dev libomp-14-dev
  libboost-program-options-dev libboost-graph-dev libeigen3-dev
  libhdf5-dev hdf5-tools zlib1g-dev libyaml-cpp-dev catch2 librandom123-dev
  libopenmpi-dev openmpi-bin
  slurm-wlm munge
  python3 python3-h5py python3-numpy python3-matplotlib python3-pandas
  python3-scipy python3-pytest
)
if [[ "${1:-}" == "--paper" ]]; then
  # biber + texlive-bibtex-extra: the bibliography (biblatex); poppler-utils:
  # pdftotext for the paper's text checks.
  packages+=(latexmk texlive-latex-base texlive-latex-recommended
             texlive-latex-extra texlive-fonts-recommended
             biber texlive-bibtex-extra poppler-utils)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "install-deps: installing ${#missing[@]} missing Debian packages: ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
