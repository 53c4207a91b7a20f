#!/usr/bin/env bash
# usage: tools/unchanged.sh DIR -- COMMAND...
# Runs COMMAND and fails if it changed any file under DIR (e.g. nbdev-clean on an uncleaned notebook,
# nbdev-export when a module was hand-edited or is out of sync with its notebook).
set -euo pipefail
dir=$1; shift; [ "$1" = "--" ] && shift
snapshot() { find "$dir" -type f -not -path '*/__pycache__/*' -not -path '*/.ipynb_checkpoints/*' -print0 | sort -z | xargs -0 sha1sum; }
before=$(snapshot)
"$@"
after=$(snapshot)
if [ "$before" != "$after" ]; then
  echo "FAIL: '$*' changed files under $dir:" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  echo "Run '$*' yourself, review the change, and commit it (never hand-edit debiaslens_nb/*.py)." >&2
  exit 1
fi
