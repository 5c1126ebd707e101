"""``python -m aipp_constructs ...`` is the ``aipp`` command (:mod:`aipp_constructs.cli`):
``synth``, ``check``, ``diff``, ``graph`` and ``compose inspect|drift``, plus the commands the
project declares (docs/cli.md; here the AIPP port's ``images`` and ``restore``).

The AIPP restore helpers and constants (:mod:`aipp_constructs.aipp.cli`) stay importable from
here, where they were first defined.
"""

from __future__ import annotations

import sys

from .aipp.cli import (
    PG_DATABASE_VAR,
    PG_DUMP_CRONJOB,
    PG_DUMP_DIR,
    RESTORE_JOB,
    application_name,
    check_dump_name,
    restore_commands,
    writer_deployments,
)
from .cli import main

__all__ = [
    "PG_DATABASE_VAR",
    "PG_DUMP_CRONJOB",
    "PG_DUMP_DIR",
    "RESTORE_JOB",
    "application_name",
    "check_dump_name",
    "main",
    "restore_commands",
    "writer_deployments",
]

if __name__ == "__main__":
    sys.exit(main())
