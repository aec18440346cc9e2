"""`advocate <command>`: the project's management commands, with `up` to start everything.

`advocate up` — create the database, generate the demo marketplace, start the web server and the task
worker. `advocate --help` lists every command (Django's and ours).
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advocate.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
