#!/usr/bin/env python3
"""Runs a command while holding an exclusive lock on a file, and exits with its
status. The Makefile runs every `init` through it: roots initialised at the same
time (make test-python applies the examples concurrently) share one plugin cache
directory, which Terraform does not guarantee to be safe for concurrent
installs (an init without a lock file replaces the cache's entry for each
provider). Standard library only; POSIX (fcntl).

Usage: locked.py LOCK_FILE COMMAND [ARG...]
"""

import fcntl
import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: locked.py LOCK_FILE COMMAND [ARG...]", file=sys.stderr)
        return 2
    lock_file = Path(argv[0])
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed, or the process dies
        return subprocess.call(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
