#!/usr/bin/env bash
# Names the user types: a filtering prefix for `params`, and "did you mean"
# for commands, parameter prefixes and metrics.
set -uo pipefail
cardsim=${1:?CARDSIM}
fail() { echo "FAIL: $*" >&2; exit 1; }
out=$("$cardsim" params controls.police 2>&1) || fail "params controls.police exited $?: $out"
[[ -n "$out" ]] || fail "params controls.police listed nothing"
grep -qv '^controls\.police' <<<"$out" && fail "params controls.police listed other keys: $out"
out=$("$cardsim" params controls.polise 2>&1); rc=$?
[[ $rc -eq 2 && "$out" == *"did you mean 'controls.police"* ]] || fail "params controls.polise: rc $rc: $out"
out=$("$cardsim" compar 2>&1); rc=$?
[[ $rc -eq 2 && "$out" == *"did you mean 'compare'?"* ]] || fail "compar: rc $rc: $out"
out=$("$cardsim" sensitivity missing.h5 --metric fraud_loss 2>&1); rc=$?
[[ $rc -eq 2 && "$out" == *"did you mean 'fraud_losses_yuan'?"* ]] || fail "--metric fraud_loss: rc $rc: $out"
echo "params PREFIX filters; commands, prefixes and metrics get a did-you-mean"
