"""The ``--atlas`` / ``--places`` options of ``essnum build`` and ``essnum render``: build every product on the
user's own data (see README, "Bring your own atlas")."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import click

from essnum.paths import DATASETS


def dataset_options(command):
    """Add ``--atlas DIR`` and ``--places FILE``; they set ``$ESSNUM_ATLAS`` / ``$ESSNUM_PLACES`` for the command
    and for the kernels it starts (which inherit the environment), over ``[data]`` of ``essnum.toml``."""

    @click.option("--places", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
                  help="Mediation places in the national schema (JSON or CSV) instead of data·inclusion's export.")
    @click.option("--atlas", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
                  help="Atlas folder in the import format instead of the embedded atlas (docs/atlas-format.md).")
    @functools.wraps(command)
    def wrapper(*args, atlas: Path | None, places: Path | None, **kwargs):
        for name, value in (("atlas", atlas), ("mediation_places", places)):
            if value is not None:
                os.environ[DATASETS[name]] = str(value.resolve())
        return command(*args, **kwargs)

    return wrapper
