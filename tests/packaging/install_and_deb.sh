#!/usr/bin/env bash
# Installs cardsim as a user would and runs what was installed:
#   install BUILD WORK  `cmake --install` into WORK/prefix (no root), then the
#                       installed binary runs an installed scenario
#   deb BUILD WORK      CPack's .deb: its declared dependencies, and the binary
#                       extracted with dpkg-deb -x runs the baseline
set -euo pipefail
mode=${1:?install|deb} build=${2:?BUILD} work=${3:?WORK}
rm -rf "$work" && mkdir -p "$work"
small=(--set population=20000 --set days=30 -r 1 -t 1 -q)

check_runs() {  # ROOT: ROOT/bin/cardsim runs ROOT/share/cardsim/scenarios/baseline.yaml
  local root=$1
  "$root/bin/cardsim" --version | tee "$work/version.txt"
  grep -q '^commit ' "$work/version.txt" && grep -q '^build ' "$work/version.txt"
  "$root/bin/cardsim" run "$root/share/cardsim/scenarios/baseline.yaml" "${small[@]}" --out "$work/baseline.h5"
  [[ -s "$work/baseline.h5" ]] || { echo "no results file from the installed binary" >&2; exit 1; }
  for f in docs/model.md docs/parameters.md docs/README.md scenarios/policies/dealer_cap.yaml \
           python/cardsim_analysis/readers.py; do
    [[ -f "$root/share/cardsim/$f" ]] || { echo "not installed: share/cardsim/$f" >&2; exit 1; }
  done
  [[ -x "$root/bin/cardsim-analysis" ]] || { echo "not installed: bin/cardsim-analysis" >&2; exit 1; }
  # The installed Slurm scripts find the installed cardsim on PATH (a dry run needs no Slurm).
  (cd "$work" && CARDSIM= PATH="$root/bin:$PATH" "$root/share/cardsim/slurm/submit.sh" \
    "$root/share/cardsim/scenarios/sweeps/dealer_cap_x_remote.yaml" x.h5 --runs-per-task 4 --dry-run) \
    >"$work/submit.txt" 2>&1 || { cat "$work/submit.txt" >&2; echo "installed submit.sh failed" >&2; exit 1; }
  grep -q "share/cardsim/slurm/merge.sbatch x.h5 " "$work/submit.txt" ||
    { cat "$work/submit.txt" >&2; echo "installed submit.sh planned no merge" >&2; exit 1; }
  if command -v help2man >/dev/null; then
    [[ -s "$root/share/man/man1/cardsim.1" ]] || { echo "help2man is present but no man page was installed" >&2; exit 1; }
    grep -q 'compare BASE POLICY' "$root/share/man/man1/cardsim.1"
  fi
  echo "installed binary ran ${root#"$work"/}/share/cardsim/scenarios/baseline.yaml"
}

case "$mode" in
  install)
    cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
    check_runs "$work/prefix"
    ;;
  deb)
    (cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/pkg" >"$work/cpack.log") ||
      { cat "$work/cpack.log" >&2; exit 1; }
    deb=$(ls "$work"/pkg/cardsim_*.deb)
    dpkg-deb --info "$deb" | tee "$work/info.txt"
    depends=$(grep '^ Depends:' "$work/info.txt")
    for lib in libhdf5 libyaml-cpp libboost-program-options libgomp1; do
      [[ "$depends" == *"$lib"* ]] || { echo "the .deb does not depend on $lib" >&2; exit 1; }
    done
    grep -q '^ Recommends:.*python3-h5py' "$work/info.txt"
    dpkg-deb -x "$deb" "$work/root"
    check_runs "$work/root/usr"
    ;;
  *) echo "usage: install_and_deb.sh install|deb BUILD WORK" >&2; exit 2 ;;
esac
