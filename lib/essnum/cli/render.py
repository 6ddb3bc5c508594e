"""``essnum render`` (briefs to PDF and HTML) and ``essnum facts`` (the registry of printable numbers)."""

from __future__ import annotations

from pathlib import Path

import click

from essnum.paths import briefs_dir, project_root

from .datasets import dataset_options


def _parameters(values: tuple[str, ...]) -> dict:
    params = {}
    for item in values:
        if "=" not in item and ":" not in item:
            raise click.BadParameter(f"{item!r}: write NAME=VALUE (or NAME:VALUE, as quarto -P)", param_hint="-P")
        name, value = item.split("=", 1) if "=" in item else item.split(":", 1)
        params[name.strip()] = value
    return params


def _shown(path: Path) -> str:
    root = project_root()
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _brief_paths(names: tuple[str, ...]) -> list[Path]:
    """Each argument is a .qmd path, or the name (or unique start of the name) of a brief in briefs/."""
    known = sorted(briefs_dir().glob("*.qmd"))
    chosen = []
    for name in names:
        if Path(name).is_file():
            chosen.append(Path(name))
            continue
        matches = [p for p in known if p.stem == name] or [p for p in known if p.stem.startswith(name)]
        if len(matches) != 1:
            raise click.BadParameter(f"{name!r} names {'several briefs' if matches else 'no brief'}; briefs: "
                                     + ", ".join(p.stem for p in known), param_hint="BRIEFS")
        chosen.append(matches[0])
    return chosen or known


@click.command()
@click.argument("briefs", nargs=-1)
@click.option("--engine", type=click.Choice(["builtin", "quarto", "auto"]), default="builtin", show_default=True,
              help="builtin: essnum's renderer (fast, cached); quarto: `quarto render` with the same template "
                   "and filters; auto: Quarto when `quarto` is on the PATH, else builtin.")
@click.option("-P", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Set a brief parameter (repeatable), as `quarto render -P`.")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write PDF and HTML (default: _output/briefs/).")
@click.option("--force", is_flag=True, help="Render even if nothing changed since the last render.")
@click.option("--all", "all_regions", is_flag=True,
              help="Regional barometer (`essnum render barometre --all`): every région, one folder each.")
@click.option("--region", "regions", multiple=True, metavar="CODE",
              help="Regional barometer for this région (INSEE code, e.g. 84; repeatable).")
@dataset_options
def render(briefs: tuple[str, ...], engine: str, params: tuple[str, ...], output_dir: Path | None, force: bool,
           all_regions: bool, regions: tuple[str, ...]) -> None:
    """Render BRIEFS (.qmd paths or names of briefs/*.qmd; default: all of them) to PDF and HTML.

    The built-in renderer (the default) executes all cells of all briefs in one kernel, resolves embeds and
    facts, converts with pandoc and compiles with Typst; unchanged briefs are served from the cache.
    `--engine quarto` runs `quarto render` instead (QUARTO_PYTHON defaults to this Python).
    Consultation briefs (headings with ids `q-…`) also get their answers exported as plain text.
    """
    from essnum.publish.render import RenderError, render_briefs

    chosen = _brief_paths(briefs)
    if all_regions or regions:
        from .barometre import render_regions

        return render_regions(chosen if briefs else [], regions, all_regions, engine, force, output_dir)
    if not chosen:
        raise click.ClickException(f"no brief to render: {briefs_dir()} holds no .qmd file")
    try:
        results = render_briefs(chosen, _parameters(params) or None, output_dir, engine=engine, force=force)
    except RenderError as error:
        raise click.ClickException(str(error)) from None
    problems = [problem for result in results for problem in result.over_limit]
    click.echo(f"{'brief':<34} {'pages':>5} {'seconds':>8}  status     output")
    for r in results:
        status = "cached" if r.cached else "rendered"
        click.echo(f"{r.brief:<34} {r.pages:>5} {r.seconds:8.2f}  {status:<9}  {_shown(r.pdf)}")
        if r.changed and not r.cached:
            more = f" (+{len(r.changed) - 3})" if len(r.changed) > 3 else ""
            click.echo(f"  because of: {', '.join(r.changed[:3])}{more}")
        if r.data:
            click.echo(f"  data: {len(r.data)} files in {_shown(Path(r.data[0]).parent)}")
        for warning in r.warnings:
            click.echo(f"  warning: {warning}")
    if problems:
        raise click.ClickException("consultation answers over the length limit:\n  " + "\n  ".join(problems))


@click.group()
def facts() -> None:
    """The named numbers briefs print: list them, write build/facts.json, lock and compare."""


@facts.command("show")
@click.argument("keys", nargs=-1)
def show(keys: tuple[str, ...]) -> None:
    """Print facts (all, or those whose key starts with one of KEYS): key, French text, source."""
    from essnum.publish import facts as registry

    shown = [f for k, f in registry.registry().items() if not keys or any(k.startswith(p) for p in keys)]
    if keys and not shown:
        raise click.ClickException(f"no fact starts with {', '.join(keys)} (essnum facts show lists them all)")
    for item in shown:
        click.echo(f"{item.key:<52} {item.text:<22} {item.source}")


@facts.command("build")
def build_facts() -> None:
    """Write build/facts.json: every fact, the data hashes and the git commit."""
    from essnum.publish import facts as registry

    click.echo(f"wrote {_shown(registry.write_facts_json())}")


@facts.command("lock")
def lock() -> None:
    """Pin the current values of the facts the briefs use in briefs/facts.lock.json (on purpose)."""
    from essnum.publish import facts as registry

    try:
        changes = registry.lock_diff()
        path = registry.write_lock()
    except registry.FactError as error:
        raise click.ClickException(str(error)) from None
    for change in changes:
        click.echo(f"  {change.describe()}")
    click.echo(f"wrote {_shown(path)} ({len(registry.keys_used_by_briefs())} facts, {len(changes)} changed)")


@facts.command("diff")
def diff() -> None:
    """Compare the facts the briefs use with the lock, claim by claim (exit status 1 if any differs)."""
    from essnum.publish import facts as registry

    try:
        changes = registry.lock_diff()
    except registry.FactError as error:
        raise click.ClickException(str(error)) from None
    for change in changes:
        click.echo(change.describe())
    if changes:
        raise SystemExit(1)
    click.echo("every fact the briefs use matches briefs/facts.lock.json")
