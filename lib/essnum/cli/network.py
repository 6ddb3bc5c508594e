"""``essnum network`` (analyse an atlas folder, write the exports) and ``essnum synth atlas``."""

from __future__ import annotations

from pathlib import Path

import click

from essnum.paths import build_dir


@click.command()
@click.option("--atlas", "atlas_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Atlas folder in the import format (organisations.csv + links.csv). Default: the embedded atlas.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the exports. Default: build/network.")
@click.option("--no-graphs", is_flag=True, help="Skip the GEXF/GraphML files (CSV and summary.json only).")
@click.option("--allow-rejected", is_flag=True,
              help="Exit 0 even when the atlas check rejected rows (they are left out and listed in rejected_*.csv).")
def network(atlas_dir: Path | None, out_dir: Path | None, no_graphs: bool, allow_rejected: bool) -> None:
    """Network analysis of an atlas: GEXF, GraphML, node/edge CSVs and summary.json.

    Organisations are tied by the collectives they share (Newman weights); measures, robustness rules
    and approximations at scale are described in docs/network.md. Counts start from the rows of the files
    (read = kept + rejected + merged, rows rejected by the atlas check included). When the atlas check
    finds errors, the exports are written without those rows and the exit status is 1 unless --allow-rejected.
    """
    from tqdm import tqdm

    from essnum.network.analysis import NetworkAnalysis, analyse_atlas
    from essnum.network.export import write_exports

    out_dir = out_dir or build_dir() / "network"
    bar = tqdm(total=len(NetworkAnalysis.STEPS) + 1, desc="network", unit="step")

    def progress(step: str) -> None:
        bar.set_postfix_str(step)
        bar.update(1)

    try:
        analysis = analyse_atlas(atlas_dir, progress=progress)
    except FileNotFoundError as error:
        bar.close()
        raise click.ClickException(str(error)) from error
    bar.set_postfix_str("exports")
    written = write_exports(analysis, out_dir, graphs=not no_graphs)
    bar.update(1)
    bar.close()
    report = analysis.atlas_report
    for problem in report.errors[:10]:
        click.echo(str(problem), err=True)
    if len(report.errors) > 10:
        click.echo(f"… and {len(report.errors) - 10} more (essnum atlas check {atlas_dir or ''})".rstrip(), err=True)
    counts, graphs = analysis.summary["counts"], analysis.summary["graphs"]
    projection = graphs["organisation_projection"]
    click.echo(f"organisations: read {counts['organisations_read']} = kept {counts['organisations_kept']} + "
               f"rejected {counts['organisations_rejected']} (atlas check {counts['organisations_rejected_by_atlas_check']})"
               f" + merged {counts['organisations_merged']} (duplicates); {counts['isolated_organisations']} without links")
    click.echo(f"links: read {counts['links_read']} = kept {counts['links_kept']} + rejected {counts['links_rejected']} "
               f"(atlas check {counts['links_rejected_by_atlas_check']}; rejected_links.csv) + merged "
               f"{counts['links_merged']} (same pair, roles joined); {counts['collectives']} collectives "
               f"({counts['collectives_label_missing']} without a label)")
    click.echo(f"projection: {projection['edges']} ties, {projection['components']} components, largest "
               f"{projection['largest_component']}; modularity {analysis.summary['communities']['modularity']}")
    click.echo(f"wrote {len(written)} files to {out_dir}")
    if report.errors and not allow_rejected:
        click.echo(f"error: the atlas check found {len(report.errors)} error(s) (listed above; details: essnum atlas "
                   f"check {atlas_dir or 'data/atlas'}); the exports leave those rows out. Fix the files, or pass "
                   "--allow-rejected to accept them (exit status 0)", err=True)
        raise SystemExit(1)


@click.group()
def synth() -> None:
    """Synthetic data for tests and benchmarks (labelled SYNTHETIC, never for a brief)."""


@synth.command("atlas")
@click.option("--n", "n_organisations", type=click.IntRange(min=10), default=1200, show_default=True,
              help="Number of organisations.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same atlas).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write organisations.csv and links.csv into.")
def synth_atlas(n_organisations: int, seed: int, out_dir: Path) -> None:
    """Write a synthetic atlas in the import format (heavy-tailed collectives, families, countries)."""
    from essnum.data.synthetic import write_synthetic_atlas

    for path in write_synthetic_atlas(out_dir, n_organisations, seed):
        click.echo(f"wrote {path}")
