"""The one `vero` command. Each area contributes its subcommands; errors print in one line."""

from __future__ import annotations

import sys

import click
import redis

from planning.commands import plan_command
from simulations.commands import simulate
from telephony.accounts import accounts
from telephony.customers import customers
from vero.cli.demo.command import demo_command
from vero.cli.dispatch import dispatch
from vero.cli.sample import sample
from vero.cli.serve import serve
from vero.cli.web import web
from vero.cli.worker import worker
from vero.kernel.errors import VeroError
from wfm.commands import staff
from wfm.forecast.commands import forecast
from wfm.kpi_commands import report
from wfm.scheduler.commands import roster

SUBCOMMANDS = (
    serve,
    web,
    dispatch,
    worker,
    demo_command,
    customers,
    accounts,
    forecast,
    staff,
    roster,
    simulate,
    plan_command,
    report,
    sample,
)


class _Vero(click.Group):
    """A click group that turns a VeroError, or a Redis that cannot be reached (after the
    client's retries), into one line on stderr and exit status 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except VeroError as exc:
            click.echo(f"vero: error: {exc.one_line()}", err=True)
            sys.exit(2)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            click.echo(f"vero: error: REDIS_URL: Redis unreachable: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Vero, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Vero: contact centre routing, IVR, forecasting, staffing, rosters and simulation."""


for command in SUBCOMMANDS:
    cli.add_command(command)


def main() -> None:
    cli(prog_name="vero")
