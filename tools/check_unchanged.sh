#!/usr/bin/env bash
# Runs a command and fails when it changed any file under nbs/ or multialign_nb/ (works with or without git).
# usage: check_unchanged.sh WHAT-IT-MEANS-WHEN-IT-CHANGES COMMAND...
set -euo pipefail
meaning=$1; shift
snapshot() { find nbs multialign_nb -type f -not -path '*/__pycache__/*' -not -path '*/.ipynb_checkpoints/*' -print0 \
  | sort -z | xargs -0 sha256sum; }
before=$(snapshot)
"$@" >/dev/null
after=$(snapshot)
if [ "$before" != "$after" ]; then
  echo "FAILED: $(basename "$1") changed files ($meaning); run it, review the diff and commit:" >&2
  diff <(echo "$before") <(echo "$after") | sed -n 's/^> [0-9a-f]*  /  /p' >&2
  exit 1
fi
echo "ok: $(basename "$1") left no diff"
