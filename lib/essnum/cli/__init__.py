"""The ``essnum`` command. Each concern's subcommands live in a module of this package; no logic here."""

from __future__ import annotations

import click

from essnum import __version__


class _Main(click.Group):
    """The command group: an input error (a user's file that cannot be used, reference data that cannot be
    found) is printed as ``Error: …`` with exit status 1, never as a traceback."""

    def invoke(self, ctx: click.Context):
        from essnum.data.sources import ReferenceDataError
        from essnum.data.tables import InputError

        try:
            return super().invoke(ctx)
        except (InputError, ReferenceDataError) as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="essnum")
def main() -> None:
    """essnum — the ESS numérique observatory's research and policy-brief workbench."""


from . import build as _build  # noqa: E402
from . import consultation as _consultation  # noqa: E402
from . import data as _data  # noqa: E402
from . import lab as _lab  # noqa: E402
from . import network as _network  # noqa: E402
from . import places as _places  # noqa: E402
from . import render as _render  # noqa: E402
from . import site as _site  # noqa: E402
from . import sources as _sources  # noqa: E402
from . import survey as _survey  # noqa: E402
from . import territory as _territory  # noqa: E402

main.add_command(_build.build)
main.add_command(_build.notebooks)
main.add_command(_lab.lab)
main.add_command(_consultation.consultation)
main.add_command(_sources.sources)
main.add_command(_territory.territory)
main.add_command(_places.places)
main.add_command(_data.data)
main.add_command(_data.atlas)
main.add_command(_render.render)
main.add_command(_render.facts)
main.add_command(_survey.survey)
main.add_command(_survey.funding)
main.add_command(_network.network)
main.add_command(_network.synth)
main.add_command(_site.site)
