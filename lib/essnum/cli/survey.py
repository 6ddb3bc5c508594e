"""``essnum survey`` (intervals, disclosure-controlled tables from microdata) and ``essnum funding`` (ESS shares, scenarios)."""

from __future__ import annotations

from pathlib import Path

import click


def _problems(problems, limit: int = 20) -> None:
    for problem in problems[:limit]:
        click.echo(f"  {problem}", err=True)
    if len(problems) > limit:
        click.echo(f"  … and {len(problems) - limit} more", err=True)


@click.group()
def survey() -> None:
    """Survey percentages with their uncertainty; tables from questionnaire exports, with disclosure control."""


@survey.command()
@click.option("--wave", "waves", multiple=True, help="Survey wave prefix (default: survey.waves in decisions.toml).")
def intervals(waves: tuple[str, ...]) -> None:
    """Print the 95 % interval of every published survey percentage of the evidence base."""
    from essnum.survey import published_intervals

    table = published_intervals(list(waves) or None)
    click.echo(table[["value", "value_max", "n", "low", "high", "method"]].round(1).to_string())


@survey.command()
@click.argument("export", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("codebook", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rows", required=True, help="Question id (from the codebook) for the table rows.")
@click.option("--columns", required=True, help="Question id for the table columns.")
@click.option("--threshold", type=int, default=None,
              help="Smallest publishable cell, in respondents (default: survey.suppression_threshold).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the publishable table (suppressed cells empty) to this CSV file.")
def tabulate(export: Path, codebook: Path, rows: str, columns: str, threshold: int | None, out: Path | None) -> None:
    """Cross-tabulate two questions of a questionnaire EXPORT (CSV/XLSX) read through its CODEBOOK (YAML/CSV),
    with primary and secondary cell suppression so no respondent group below the threshold can be recovered."""
    from essnum.survey import count_table, read_microdata
    from essnum.survey.disclosure import suppress

    micro = read_microdata(export, codebook)
    click.echo(f"{export}: {micro.read} responses read, {len(micro.responses)} kept, {len(micro.rejected)} rejected")
    _problems(micro.problems)
    for question in (rows, columns):
        if question not in micro.codebook.questions:
            raise click.BadParameter(f"no question {question!r} in {codebook}; have: {', '.join(micro.codebook.questions)}")
    result = suppress(count_table(micro, rows, columns), threshold)
    published = result.published.astype("string").fillna("×")
    click.echo(published.to_string())
    counts = result.suppressed_count
    click.echo(f"threshold {result.threshold}: {counts['primary']} primary and {counts['secondary']} secondary "
               f"cells suppressed (×); every suppressed cell's feasible range has non-zero width")
    if out:
        result.published.to_csv(out)
        click.echo(f"wrote {out}")


@click.group()
def funding() -> None:
    """ESS share of funding programmes from beneficiary lists; scenarios of the proposals."""


@funding.command()
@click.argument("beneficiaries", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replicates", type=int, default=None, help="Bootstrap replicates (default: funding.bootstrap_replicates).")
@click.option("--seed", type=int, default=None, help="Bootstrap seed (default: funding.bootstrap_seed).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory for shares.csv and rejected.csv.")
def shares(beneficiaries: Path, replicates: int | None, seed: int | None, out: Path | None) -> None:
    """ESS share of amounts and recipients per programme of a BENEFICIARIES list (CSV: recipient, siren,
    legal_category, esus, amount, programme), with bootstrap intervals. Rejected rows are listed with row and field."""
    from essnum.funding.shares import ess_shares, read_beneficiaries

    data = read_beneficiaries(beneficiaries)
    counts = data.counts()
    click.echo(f"{beneficiaries}: {counts['read']} rows read, {counts['kept']} kept, {counts['rejected']} rejected")
    _problems(data.problems)
    table = ess_shares(data, replicates, seed)
    click.echo(table.round(1).to_string())
    if out:
        out.mkdir(parents=True, exist_ok=True)
        table.to_csv(out / "shares.csv")
        data.rejected.to_csv(out / "rejected.csv", index=False)
        click.echo(f"wrote {out / 'shares.csv'} and {out / 'rejected.csv'}")


@funding.command(name="scenarios")
@click.option("--envelope", "envelopes", type=float, multiple=True,
              help="Public digital procurement envelope in euros (repeatable; default: illustrative envelopes).")
def scenarios_command(envelopes: tuple[float, ...]) -> None:
    """The quantified proposals: procurement reservation, reconditioning gap, hybrid posts."""
    from essnum.funding.scenarios import scenarios

    result = scenarios(list(envelopes) or None)
    click.echo(result["procurement"].to_string(index=False))
    for name in ("reconditioning", "hybrid_posts"):
        click.echo(f"\n{name}:")
        for key, value in result[name].items():
            if key != "path":
                click.echo(f"  {key}: {round(value, 2) if isinstance(value, float) else value}")
