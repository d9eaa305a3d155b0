"""How a message names the applied root module in a `make` command line.

`make invoke` and the other targets take EXAMPLE=<folder under examples/> or
EXAMPLE_DIR=<any folder holding an applied root module that uses this module>
(Makefile). The command line is given the folder; what it tells the user to
run next must select the same folder: EXAMPLE=<name> for an example,
EXAMPLE_DIR=<the folder as given> for anything else.
"""

from __future__ import annotations

import shlex
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def make_selector(root_dir: str) -> str:
    """EXAMPLE=<name> for examples/<name>, else EXAMPLE_DIR=<root_dir> (quoted for the shell)."""
    folder = Path(root_dir).resolve()
    if folder.parent == EXAMPLES:
        return f"EXAMPLE={folder.name}"
    return f"EXAMPLE_DIR={shlex.quote(root_dir)}"
