"""The `cunwu` console command: manage.py with the project's defaults (`cunwu migrate`, …)."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cunwu.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["cunwu", *sys.argv[1:]])


if __name__ == "__main__":
    main()
