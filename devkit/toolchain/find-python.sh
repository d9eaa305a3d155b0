#!/usr/bin/env bash
# Prints the path of a working interpreter for the first of the given Python
# versions found (on PATH, or installed by pyenv but not selected), e.g.
#   find-python.sh 3.13 3.14
# Exits 1 with a message naming the versions when none is installed.
set -euo pipefail

for version in "$@"; do
  candidates=("python$version")
  if command -v pyenv >/dev/null 2>&1; then
    for dir in "$(pyenv root)"/versions/"$version".*/bin; do
      candidates+=("$dir/python$version")
    done
  fi
  for candidate in "${candidates[@]}"; do
    if path=$(command -v "$candidate" 2>/dev/null) && "$path" -c 'pass' 2>/dev/null; then
      echo "$path"
      exit 0
    fi
  done
done
echo "no Python $* interpreter found: install one, or set LAMBDA_PYTHON=/path/to/python" >&2
exit 1
