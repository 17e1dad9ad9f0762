"""train_for_line: pooled or pretrained + fine-tuned, chosen from the row counts."""

from __future__ import annotations

import numpy as np
import pytest

from surrogates.dataset import ProcessDataset
from surrogates.training import _choose, train_for_line

from .conftest import TINY
from .test_surrogate_finetune import two_lines


@pytest.mark.parametrize(("mode", "n_target", "n_other", "expected"), [
    ("auto", 50, 800, True),
    ("auto", 500, 800, False),  # enough rows of its own
    ("auto", 300, 100, False),  # the other lines have fewer rows
    ("auto", 50, 0, False),  # nothing to pretrain on
    ("always", 500, 100, True),
    ("never", 50, 800, False),
])
def test_mode_choice(mode: str, n_target: int, n_other: int, expected: bool) -> None:
    lines = np.array(["T"] * n_target + ["O"] * n_other)
    tune, reason = _choose(TINY.model_copy(update={"fine_tune": mode}), lines, "T")
    assert tune is expected and reason


def merged(n_b: int) -> tuple[ProcessDataset, np.ndarray]:
    a, b = two_lines(600, n_b)
    b = ProcessDataset(b.X, b.Y, b.feature_names, b.outcome_names,
                       b.timestamps + np.timedelta64(30, "D"))
    X, Y = np.vstack([a.X, b.X]), np.vstack([a.Y, b.Y])
    times = np.concatenate([a.timestamps, b.timestamps])
    lines = np.array(["A"] * a.n_samples + ["B"] * b.n_samples)
    return ProcessDataset(X, Y, a.feature_names, a.outcome_names, times), lines


def test_few_rows_on_the_planned_line_pretrain_and_fine_tune() -> None:
    ds, lines = merged(60)
    stages: list[str] = []
    out = train_for_line(ds, TINY, lines=lines, target="B", vary=["temp", "time"],
                         on_stage=lambda text, total: stages.append(text))
    assert out.mode == "pretrained+fine-tuned"
    # 8 epochs leave the plain network short of gradient boosting, so input_encoding: auto
    # also trains the piecewise-encoded one, and says so
    assert stages == ["pretraining surrogate (every line)",
                      "training surrogate with piecewise-encoded inputs",
                      "fine-tuning surrogate for line B"]
    assert out.fit.input_encoding["reason"].startswith("pretraining: gradient boosting came")
    # scored on B's most recent rows only
    assert out.fit.n_test == 9 and out.fit.n_valid == 9
    info = out.fit.fine_tuning
    assert info["pretrained_on_rows"] + 0 < 600 + 60 and "pretrained_as_is_on_test" in info
    assert out.card["data"]["lines"] == {"A": 600, "B": 60}
    assert set(out.card["sensitivities"]["yield"]) == {"temp", "time"}
    assert "line B" in out.card["sensitivity_method"]


def test_many_rows_on_the_planned_line_train_one_pooled_model() -> None:
    ds, lines = merged(500)
    out = train_for_line(ds, TINY, lines=lines, target="B", vary=["temp"])
    assert out.mode == "pooled" and "500 usable rows" in out.reason
    assert out.fit.n_test == round(0.15 * 1100)
