#!/usr/bin/env bash
# `cardsim --version` (and so every output file's git_commit) names the commit
# the sources are at as of the last build, even when that build did not
# re-run cmake's configure step; 'unknown' for sources outside a git checkout.
set -uo pipefail
cardsim=${1:?CARDSIM} source_dir=${2:?SOURCE_DIR}
fail() { echo "FAIL: $*" >&2; exit 1; }
named=$("$cardsim" --version | sed -n 's/^commit //p')
if ! head=$(git -C "$source_dir" rev-parse --short=12 HEAD 2>/dev/null); then
  # Sources without their history (an exported tarball): no commit to name.
  [[ "$named" == unknown ]] || fail "$source_dir is not a git checkout, but --version names commit '$named'"
  echo "not a git checkout: cardsim --version names commit 'unknown'"
  exit 0
fi
[[ "${named%-dirty}" == "$head" ]] || fail "cardsim --version names commit '$named', the sources are at $head (rebuild: the build rewrites it)"
if [[ -n "$(git -C "$source_dir" status --porcelain --untracked-files=no)" ]]; then
  [[ "$named" == *-dirty ]] || fail "uncommitted changes, but --version names '$named' without -dirty"
fi
echo "cardsim --version names the commit $named"
