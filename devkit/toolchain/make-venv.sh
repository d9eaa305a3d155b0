#!/usr/bin/env bash
# Creates a Python virtual environment holding exactly the pinned requirements.
#
# Usage: make-venv.sh PYTHON VENV_DIR REQUIREMENTS_FILE
# The Makefile names VENV_DIR after a hash of the requirements and the
# interpreter, so a changed pin makes a new environment and an unchanged one
# is reused; VENV_DIR/.complete marks an environment that finished installing.
set -euo pipefail

python=$1 dir=$2 requirements=$3

if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "error: $python is missing or older than Python 3.11 (the durable execution SDK needs 3.11+); set PYTHON=... or LAMBDA_PYTHON=..." >&2
  exit 1
fi

echo "  creating venv $(basename "$dir") from $requirements"
started=$SECONDS
rm -rf "$dir"
"$python" -m venv "$dir"
"$dir/bin/python" -m pip install --quiet --disable-pip-version-check --require-virtualenv -r "$requirements"
touch "$dir/.complete"
echo "  created  venv $(basename "$dir") in $(( SECONDS - started )) s"
