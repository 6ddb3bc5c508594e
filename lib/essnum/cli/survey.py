"""``essnum survey`` (intervals, disclosure-controlled tables from microdata) and ``essnum funding`` (ESS shares, scenarios)."""

from __future__ import annotations

from pathlib import Path

import click


def _problems(problems, limit: int = 20) -> None:
    for problem in problems[:limit]:
        click.echo(f"  {problem}", err=True)
    if len(problems) > limit:
        click.echo(f"  … and {len(problems) - limit} more", err=True)


def _exit_if_rejected(errors: int, what: str, allow_rejected: bool) -> None:
    """Exit with status 1 after the outputs when rows were rejected, unless ``--allow-rejected``."""
    if errors and not allow_rejected:
        click.echo(f"error: {what}; the outputs above leave them out. Fix the file, or pass --allow-rejected to "
                   "accept the outputs without those rows (exit status 0)", err=True)
        raise SystemExit(1)


_ALLOW_REJECTED = click.option("--allow-rejected", is_flag=True,
                               help="Exit 0 even when rows were rejected (they are listed, and left out of the outputs).")


@click.group()
def survey() -> None:
    """Survey percentages with their uncertainty; tables from questionnaire exports, with disclosure control."""


@survey.command()
@click.option("--wave", "waves", multiple=True, help="Survey wave prefix (default: survey.waves in decisions.toml).")
def intervals(waves: tuple[str, ...]) -> None:
    """Print the 95 % interval of every published survey percentage of the evidence base."""
    from essnum.survey import published_intervals

    try:
        table = published_intervals(list(waves) or None)
    except KeyError as error:  # an unknown wave: no figure of that prefix in the evidence base
        raise click.BadParameter(str(error.args[0] if error.args else error), param_hint="--wave") from None
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
@_ALLOW_REJECTED
def tabulate(export: Path, codebook: Path, rows: str, columns: str, threshold: int | None, out: Path | None,
             allow_rejected: bool) -> None:
    """Cross-tabulate two questions of a questionnaire EXPORT (CSV/XLSX) read through its CODEBOOK (YAML/CSV, or
    LimeSurvey's survey structure .lss), with primary and secondary cell suppression so no respondent group
    below the threshold can be recovered.

    Rejected responses (unknown answer code, weight that is not a positive number) are listed with row and
    column and the exit status is 1 unless --allow-rejected. An export tracked by git is refused: keep
    microdata in private/ (git-ignored) or outside the repository. Only the disclosure-controlled table is
    printed or written, never a response.
    """
    from essnum.survey import count_table, read_microdata
    from essnum.survey.disclosure import suppress

    micro = read_microdata(export, codebook)
    click.echo(f"{export}: {micro.read} responses read = {len(micro.responses)} kept + {len(micro.rejected)} rejected")
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
    _exit_if_rejected(len(micro.rejected), f"{len(micro.rejected)} of {micro.read} responses of {export} rejected",
                      allow_rejected)


@click.group()
def funding() -> None:
    """ESS share of funding programmes from beneficiary lists; scenarios of the proposals."""


@funding.command()
@click.argument("beneficiaries", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--replicates", type=int, default=None, help="Bootstrap replicates (default: funding.bootstrap_replicates).")
@click.option("--seed", type=int, default=None, help="Bootstrap seed (default: funding.bootstrap_seed).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory for shares.csv and rejected.csv.")
@_ALLOW_REJECTED
def shares(beneficiaries: Path, replicates: int | None, seed: int | None, out: Path | None,
           allow_rejected: bool) -> None:
    """ESS share of amounts and recipients per programme of a BENEFICIARIES list (CSV: recipient, siren,
    legal_category, esus, amount, programme), with bootstrap intervals. Rejected rows are listed with row and
    field (and written to rejected.csv); the exit status is then 1 unless --allow-rejected."""
    from essnum.funding.shares import ess_shares, read_beneficiaries

    data = read_beneficiaries(beneficiaries)
    counts = data.counts()
    click.echo(f"{beneficiaries}: {counts['read']} rows read = {counts['kept']} kept + {counts['rejected']} rejected")
    _problems(data.problems)
    if data.result.file_error is not None:
        raise click.ClickException(f"{beneficiaries}: {data.result.file_error.message} — "
                                   f"{data.result.file_error.hint}")
    if data.data.empty:
        raise click.ClickException(f"{beneficiaries}: no row left to estimate a share from ({counts['rejected']} of "
                                   f"{counts['read']} rows rejected, listed above) — fix the rows")
    table = ess_shares(data, replicates, seed)
    click.echo(table.round(1).to_string())
    if out:
        out.mkdir(parents=True, exist_ok=True)
        table.to_csv(out / "shares.csv")
        data.rejected.to_csv(out / "rejected.csv", index=False)
        click.echo(f"wrote {out / 'shares.csv'} and {out / 'rejected.csv'}")
    _exit_if_rejected(counts["rejected"], f"{counts['rejected']} of {counts['read']} rows of {beneficiaries} rejected",
                      allow_rejected)


@funding.command(name="scenarios")
@click.option("--envelope", "envelopes", type=click.FloatRange(min=0), multiple=True,
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
