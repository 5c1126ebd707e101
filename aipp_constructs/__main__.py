"""``python -m aipp_constructs ...`` is the ``aipp`` command (:mod:`aipp_constructs.cli`):
``synth``, ``check``, ``diff``, ``graph``, ``images``, ``restore`` and ``compose inspect|drift``.

The restore helpers and constants stay importable from here, where they were first defined.
"""

from __future__ import annotations

import sys

from .cli import (
    PG_DATABASE_VAR,
    PG_DUMP_CRONJOB,
    PG_DUMP_DIR,
    RESTORE_JOB,
    application_name,
    check_dump_name,
    main,
    restore_commands,
    writer_deployments,
)

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
