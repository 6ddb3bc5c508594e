"""``essnum build`` and ``essnum notebooks``."""

from __future__ import annotations

import click

from essnum.paths import project_root

from .datasets import dataset_options


@click.command()
@click.option("--force", is_flag=True, help="Rebuild every step even if its inputs did not change.")
@click.option("--engine", type=click.Choice(["builtin", "quarto"]), default="builtin", show_default=True,
              help="Renderer of the briefs step: essnum's built-in path, or `quarto render` (Quarto installed).")
@dataset_options
def build(force: bool, engine: str) -> None:
    """Build everything — validate, analyses, notebooks, facts, briefs, barometers, site — from the embedded data,
    or from the user's atlas / mediation places (--atlas, --places, or [data] of essnum.toml)."""
    from essnum.build import run_steps
    from essnum.pipeline import steps

    results = run_steps(steps(engine), force=force)
    root = project_root()
    built = [r for r in results if r.status == "built"]
    click.echo(f"{'step':<32} {'status':<11} {'seconds':>8}  outputs")
    for r in results:
        shown = ", ".join(sorted({str(p.relative_to(root)) if p.is_relative_to(root) else str(p) for p in r.outputs})[:3])
        more = f" (+{len(r.outputs) - 3})" if len(r.outputs) > 3 else ""
        click.echo(f"{r.name:<32} {r.status:<11} {r.seconds:8.2f}  {shown}{more}")
    if not built:
        click.echo("Nothing to rebuild: every output is up to date.")


@click.command()
@click.argument("names", nargs=-1)
def notebooks(names: tuple[str, ...]) -> None:
    """Re-execute research notebooks in place, storing fresh deterministic outputs (all, or NAMES)."""
    from tqdm import tqdm

    from essnum.notebooks import execute_notebook, research_notebooks

    chosen = [nb for nb in research_notebooks() if not names or nb.stem in names or nb.name in names]
    if names and not chosen:
        raise click.BadParameter(f"no research notebook named {', '.join(names)}; have: "
                                 + ", ".join(nb.stem for nb in research_notebooks()))
    for nb in tqdm(chosen, desc="notebooks", unit="nb"):
        execute_notebook(nb)
        click.echo(f"stored outputs of {nb.relative_to(project_root())}")
