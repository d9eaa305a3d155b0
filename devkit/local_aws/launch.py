"""Start ministack on loopback with the compatibility layer applied.

Run with the emulator's virtual environment (devkit/local_aws/emulator.sh does):
the patches are applied first, then ministack starts exactly as its console
script would, reading the same environment (GATEWAY_PORT, BIND_HOST, ...).
LOCAL_AWS_COMPAT=off starts stock ministack, and LOCAL_AWS_COMPAT_SKIP=name,...
leaves out single patches: both exist to show what the layer fixes.
"""

import logging
import os
import sys

import ministack_compat

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

if os.environ.get("LOCAL_AWS_COMPAT", "on") == "off":
    logging.getLogger("local_aws").warning("compatibility layer OFF: stock ministack behaviour")
else:
    skipped = os.environ.get("LOCAL_AWS_COMPAT_SKIP", "")
    ministack_compat.apply(skip=frozenset(name for name in skipped.split(",") if name))

from ministack import app  # noqa: E402  (imported after patching, as the layer requires)

sys.argv = [sys.argv[0]]
app.main()
