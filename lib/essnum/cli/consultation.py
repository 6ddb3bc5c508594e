"""``essnum consultation``: cut a consultation brief into plain-text answers and check their length."""

from __future__ import annotations

from pathlib import Path

import click

from essnum.paths import briefs_dir, project_root

DEFAULT_BRIEF = "transition-pathway-reponse.qmd"


def _shown(path: Path) -> str:
    path = Path(path).resolve()
    return str(path.relative_to(project_root())) if path.is_relative_to(project_root()) else str(path)


@click.command()
@click.argument("brief", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the answers (default: _output/briefs/<brief name>-reponses/, beside the PDF).")
@click.option("--max-chars", type=click.IntRange(min=1),
              help="Character limit per answer (default: decisions.toml [consultation] max_chars).")
def consultation(brief: Path | None, out_dir: Path | None, max_chars: int | None) -> None:
    """Export each answer of a consultation BRIEF as plain text, ready to paste into the online form.

    BRIEF defaults to briefs/transition-pathway-reponse.qmd. Each section whose heading carries an id such as
    {#q-1-1} becomes <id>.txt; answers.csv lists every answer's character count against the limit. Exits
    with status 1, naming each question, when an answer is longer than the limit.
    """
    from essnum.publish.consultation import ConsultationError, export_answers

    brief = brief or briefs_dir() / DEFAULT_BRIEF
    try:
        report = export_answers(brief, out_dir, max_chars)
    except ConsultationError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{'question':<12} {'characters':>10} / limit")
    for answer in report.answers:
        flag = "" if answer.characters <= report.limit else "  TOO LONG"
        click.echo(f"{answer.question_id:<12} {answer.characters:>10} / {report.limit}{flag}")
    click.echo(f"wrote {len(report.answers)} answers and answers.csv to {_shown(report.files[-1].parent)}")
    if not report.ok:
        for violation in report.violations:
            click.echo(str(violation), err=True)
        raise SystemExit(1)
