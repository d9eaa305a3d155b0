"""durable-bedrock: the command line for a deployed example, behind `make
invoke`, `make history`, `make approve`, `make reject`, `make stop-executions` and
`make preflight`.

    python cli <command> --help
    python cli invoke --example-dir examples/content-pipeline

Talks to AWS with the default credential chain, or to local AWS with
--endpoint-url http://127.0.0.1:4566.
"""

from __future__ import annotations

import sys

import approve
import invoke
import preflight

# In the order a user meets them: run, look, decide a review, clean up, check an account.
COMMANDS: dict[str, str] = {
    "invoke": invoke.COMMANDS["invoke"],
    "history": invoke.COMMANDS["history"],
    **approve.DESCRIPTIONS,
    "stop-executions": invoke.COMMANDS["stop-executions"],
    "preflight": preflight.DESCRIPTION,
}


def usage() -> str:
    width = max(map(len, COMMANDS))
    lines = [f"  {name:<{width}}  {what}" for name, what in COMMANDS.items()]
    return "usage: python cli <command> [--help | options]\n\ncommands:\n" + "\n".join(lines)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    command, options = argv[0], argv[1:]
    if command not in COMMANDS:
        print(f"durable-bedrock: no command {command!r}\n\n{usage()}", file=sys.stderr)
        return 2
    if command == "preflight":
        return preflight.main(options)
    if command in ("approve", "reject"):
        return approve.main(options, "approve" if command == "approve" else "reject")
    return invoke.main(options, command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
