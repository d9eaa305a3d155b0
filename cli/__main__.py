"""durable-bedrock: the command line for a deployed example, behind `make
invoke`, `make history`, `make stop-executions` and `make preflight`.

    python cli <command> --help
    python cli invoke --example-dir examples/content-pipeline

Talks to AWS with the default credential chain, or to local AWS with
--endpoint-url http://127.0.0.1:4566.
"""

from __future__ import annotations

import sys

import invoke
import preflight

COMMANDS = {**invoke.COMMANDS, "preflight": preflight.DESCRIPTION}


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
    return invoke.main(options, command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
