"""The ``paretoplan`` command line: thin, over :mod:`optimizer.pipeline`.

Exit codes (CONTRACT.md): 0 done; 2 bad input (one message naming file and field, no
traceback); 3 nothing feasible (what was found is still written); 1 internal error.
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from optimizer.exceptions import (
    EXIT_BAD_INPUT,
    EXIT_INFEASIBLE,
    EXIT_INTERNAL,
    InfeasibleError,
    InputError,
)

app = typer.Typer(
    name="paretoplan",
    help="From process logs to Pareto-optimal setpoints and production plans.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")
err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario file (YAML).", show_default=False)]
OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", help="Run folder. Default: runs/<scenario name>.")]
SeedOpt = Annotated[int | None, typer.Option(
    "--seed", help="Seed for training and search (overrides the scenario's).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]


class _RichSink:
    """Progress bars on stderr (a silent sink when quiet)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self._progress: Progress | None = None
        self._task: Any = None

    def start(self, description: str, total: int | None) -> None:
        if self.quiet:
            return
        self._progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                  MofNCompleteColumn(), TimeElapsedColumn(),
                                  TextColumn("{task.fields[info]}"), console=err,
                                  transient=False)
        self._progress.start()
        self._task = self._progress.add_task(description, total=total, info="")

    def advance(self, completed: int, info: str = "") -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=completed, info=info)

    def stop(self) -> None:
        if self._progress is not None:
            task = self._progress.tasks[0]
            self._progress.update(self._task, total=task.completed or task.total)
            self._progress.stop()
            self._progress = None

    def note(self, message: str) -> None:
        if not self.quiet:
            err.print(f"[dim]{message}[/dim]")


def _guarded(fn: Callable[[], T]) -> T:
    """Run a command body, mapping errors to CONTRACT.md's exit codes."""
    try:
        return fn()
    except InputError as exc:
        err.print(f"[bold red]error:[/bold red] {exc}", soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except InfeasibleError as exc:
        err.print(f"[bold yellow]infeasible:[/bold yellow] {exc}", soft_wrap=True)
        raise typer.Exit(EXIT_INFEASIBLE) from None
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception:
        err.print("[bold red]internal error[/bold red] (a bug in paretoplan; please report it"
                  " with the traceback below)")
        traceback.print_exc(file=sys.stderr)
        raise typer.Exit(EXIT_INTERNAL) from None


def _load(path: Path, seed: int | None):  # -> Scenario (lazy import keeps --help fast)
    from optimizer.scenario import load_scenario

    return load_scenario(path, overrides={"seed": seed} if seed is not None else None)


def _default_out(name: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "run"
    return Path("runs") / slug


def _report(folder: Path, quiet: bool) -> None:
    from optimizer.report import build_report

    sink = _RichSink(quiet)
    sink.start("writing the report", None)
    try:
        files = build_report(folder)
    finally:
        sink.stop()
    if not quiet:
        out.print(f"report: {files.html}")


def _run(scenario_path: Path, out_dir: Path | None, seed: int | None, quiet: bool,
         stages: str) -> None:
    from optimizer.pipeline import run_pipeline

    scenario = _load(scenario_path, seed)
    folder = out_dir or _default_out(scenario.name)
    try:
        summary = run_pipeline(scenario, folder, stages=stages, progress=_RichSink(quiet),
                               scenario_path=scenario_path.resolve())
    except InfeasibleError:
        if stages in ("run", "schedule") and (folder / "run.json").exists():
            _report(folder, quiet)
        raise
    if stages in ("run", "schedule"):
        _report(folder, quiet)
    if not quiet:
        for warning in summary.warnings[:8]:
            err.print(f"[yellow]warning:[/yellow] {warning}", soft_wrap=True)
        if len(summary.warnings) > 8:
            err.print(f"[yellow]... and {len(summary.warnings) - 8} more warnings in"
                      f" {folder / 'run.json'}[/yellow]")
        what = {"train": "model and model card",
                "schedule": f"{summary.n_recipes} Pareto-optimal plans"}.get(
                    stages, f"{summary.n_recipes} Pareto-optimal recipes")
        out.print(f"done: {what} in {summary.folder}")


@app.command()
def run(scenario: ScenarioArg, out_dir: OutOpt = None, seed: SeedOpt = None,
        quiet: QuietOpt = False) -> None:
    """Whole pipeline: logs, cleaning, surrogate (trained or reused), NSGA-II, run folder."""
    _guarded(lambda: _run(scenario, out_dir, seed, quiet, "run"))


@app.command()
def train(scenario: ScenarioArg, out_dir: OutOpt = None, seed: SeedOpt = None,
          quiet: QuietOpt = False) -> None:
    """Data and surrogate only: writes model/ and its model card."""
    _guarded(lambda: _run(scenario, out_dir, seed, quiet, "train"))


@app.command()
def optimize(scenario: ScenarioArg, out_dir: OutOpt = None, seed: SeedOpt = None,
             quiet: QuietOpt = False) -> None:
    """Search only, with the model already trained into the run folder."""
    _guarded(lambda: _run(scenario, out_dir, seed, quiet, "optimize"))


@app.command()
def schedule(scenario: ScenarioArg, out_dir: OutOpt = None, seed: SeedOpt = None,
             quiet: QuietOpt = False) -> None:
    """Scheduling only: plans from the run folder's pareto.csv, or the fixed recipes."""
    _guarded(lambda: _run(scenario, out_dir, seed, quiet, "schedule"))


@app.command()
def validate(scenario: ScenarioArg, quiet: QuietOpt = False) -> None:
    """Check the scenario and its logs and print the data-quality summary; writes nothing."""

    def body() -> None:
        from optimizer.pipeline import prepare_data

        sc = _load(scenario, None)
        data = prepare_data(sc)
        if not quiet:
            out.print(f"scenario {sc.name!r} is valid")
            out.print(data.clean.quality.summary(), soft_wrap=True, markup=False)

    _guarded(body)


@app.command("suggest-trials")
def suggest_trials(scenario: ScenarioArg,
                   n: Annotated[int, typer.Option("--n", min=1, max=200,
                                                  help="Number of trials.")] = 8,
                   out_dir: OutOpt = None, seed: SeedOpt = None,
                   quiet: QuietOpt = False) -> None:
    """Propose N diverse plant trials near the front where the model is least sure."""

    def body() -> None:
        from optimizer.pipeline import suggest

        sc = _load(scenario, seed)
        path = suggest(sc, out_dir or _default_out(sc.name), n, _RichSink(quiet))
        if not quiet:
            out.print(f"done: {n} suggested trials in {path}")

    _guarded(body)


@app.command()
def report(run_dir: Annotated[Path, typer.Argument(help="A run folder.", show_default=False)],
           quiet: QuietOpt = False) -> None:
    """(Re)build report.html, report.pdf and report.xlsx from a run folder."""

    def body() -> None:
        if not (run_dir / "run.json").is_file():
            raise InputError("not a run folder (no run.json)", file=run_dir,
                             hint="pass the --out folder of `paretoplan run`")
        _report(run_dir, quiet)

    _guarded(body)


@app.command("export-model")
def export_model(
    run_dir: Annotated[Path, typer.Argument(help="A run folder with a trained model.",
                                            show_default=False)],
    onnx: Annotated[Path, typer.Option("--onnx", help="ONNX file to write.",
                                       show_default=False)],
    quiet: QuietOpt = False,
) -> None:
    """Export the run folder's surrogate as an ONNX model (mean and std per outcome)."""

    def body() -> None:
        from surrogates.io import load_surrogate

        model_dir = run_dir / "model"
        if not (model_dir / "model.json").is_file():
            raise InputError("no trained model in this folder (model/model.json missing)",
                             file=run_dir, hint="run `paretoplan train` or `run` first")
        if not onnx.parent.is_dir():
            raise InputError("the folder to write into does not exist", file=onnx.parent,
                             location="--onnx", hint="create it or pick another path")
        try:
            from surrogates.onnx_export import export_onnx
        except ImportError:  # pragma: no cover - onnx is a core dependency
            raise InputError("the onnx package is not installed", location="--onnx",
                             hint="pip install onnx onnxscript") from None
        surrogate = load_surrogate(model_dir)
        export_onnx(surrogate, onnx, metadata={"source": str(model_dir.resolve())})
        if not quiet:
            out.print(f"done: ONNX model of {len(surrogate.feature_names)} inputs -> "
                      f"{len(surrogate.outcome_names)} outcomes (mean, std) in {onnx}")

    _guarded(body)


@app.command()
def schema() -> None:
    """Print the JSON Schema of scenario files."""
    from optimizer.scenario import scenario_json_schema

    print(json.dumps(scenario_json_schema(), indent=2))


@app.command()
def demo(out_dir: OutOpt = None, quiet: QuietOpt = False) -> None:
    """Run the bundled batch-reactor scenario end to end (logs included)."""
    from scenarios import bundled

    path = bundled("batch_reactor")
    _guarded(lambda: _run(path, out_dir or Path("runs/demo"), None, quiet, "run"))


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
