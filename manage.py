#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gfmd_kb.settings")
    # A command (a migration, the import worker, load_paper) may run statements longer than a
    # web request may wait for (settings: DB_COMMAND_STATEMENT_TIMEOUT); runserver serves web
    # requests, with their limits.
    if sys.argv[1:2] != ["runserver"]:
        os.environ.setdefault("GFMD_PROCESS", "command")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
