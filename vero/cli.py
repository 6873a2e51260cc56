"""The one `vero` command. Each area contributes its subcommands; errors print in one line."""

from __future__ import annotations

import sys

import click

from vero.errors import VeroError


class _Vero(click.Group):
    """A click group that turns a VeroError into one line on stderr and exit status 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except VeroError as exc:
            click.echo(f"vero: error: {exc.one_line()}", err=True)
            sys.exit(2)


@click.group(cls=_Vero, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Vero: contact centre routing, IVR, forecasting, staffing, rosters and simulation."""


# Subcommands, one line per area (keep this list sorted by area).
from wfm.scheduler.commands import roster  # noqa: E402

cli.add_command(roster)
from vero.serve import serve  # noqa: E402

cli.add_command(serve)
from vero.demo import demo  # noqa: E402

cli.add_command(demo)
from telephony.customers import customers  # noqa: E402

cli.add_command(customers)
from wfm.forecast.commands import forecast  # noqa: E402

cli.add_command(forecast)
from wfm.commands import staff  # noqa: E402

cli.add_command(staff)
from wfm.plan_commands import plan_command  # noqa: E402

cli.add_command(plan_command)
from simulations.commands import simulate  # noqa: E402

cli.add_command(simulate)
from wfm.kpi_commands import report  # noqa: E402

cli.add_command(report)


def main() -> None:
    cli(prog_name="vero")


if __name__ == "__main__":
    main()
