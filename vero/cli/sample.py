"""`vero sample`: the shipped sample files copied into a folder to try the planning commands
on (the README's walkthrough), or made afresh by the twin with a seed."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import click
from rich.console import Console

from simulations.sample import FILES, SEED, make_sample
from vero.kernel.errors import VeroError
from vero.kernel.language import language, language_option


def shipped(name: str) -> Path:
    """A sample file as shipped in the package."""
    return Path(str(resources.files("vero.sample") / name))


@click.command("sample")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default="vero-sample",
    show_default=True,
    help="Folder to write the sample files into (created).",
)
@click.option(
    "--regenerate",
    is_flag=True,
    help="Make the files afresh with the twin from the reference centre (about 15 s) instead "
    "of copying the shipped ones; with the default seed they are the same bytes.",
)
@click.option("--seed", default=SEED, show_default=True, help="Seed of --regenerate.")
@click.option("--force", is_flag=True, help="Overwrite sample files already in the folder.")
@language_option("what the command prints")
def sample(out: Path, regenerate: bool, seed: int, force: bool, lang: str) -> None:
    """Sample data of the cosmetics centre: 8 weeks of contact history, the next week's
    requirements, agents and shift templates, and two what-if scenarios."""
    words = language(lang)
    taken = [name for name in FILES if (out / name).exists()]
    if taken and not force:
        raise VeroError(words.text("sample.exists"), source=str(out / taken[0]))
    console = Console()
    if regenerate:
        with console.status(words.text("sample.generating")):
            make_sample(out, seed)
    else:
        out.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            shutil.copyfile(shipped(name), out / name)
    console.print(words.text("sample.wrote", folder=out), highlight=False, soft_wrap=True)
    for name in FILES:
        key = "sample.file_" + name.split(".")[0].replace("-", "_")
        console.print(f"  {name:<20} {words.text(key)}", highlight=False, soft_wrap=True)
    console.print(words.text("sample.next", folder=out), highlight=False, soft_wrap=True)
