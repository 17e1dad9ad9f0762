"""Settings of the MLP-ensemble surrogate (the scenario's ``surrogate:`` section).

Torch-free on purpose: the scenario validator and the CLI's fast paths import it without
paying for ``import torch``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["ACTIVATIONS", "Activation", "EnsembleConfig", "FineTuneMode", "InputEncoding"]

Activation = Literal["silu", "relu", "gelu", "tanh"]
ACTIVATIONS: tuple[str, ...] = ("silu", "relu", "gelu", "tanh")
FineTuneMode = Literal["auto", "always", "never"]
InputEncoding = Literal["auto", "linear", "piecewise"]


class EnsembleConfig(BaseModel):
    """Settings of the MLP-ensemble surrogate (the scenario's ``surrogate:`` section)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_members: int = Field(5, ge=2, le=64, description="Number of networks in the ensemble; "
                           "their spread is the model (epistemic) uncertainty.")
    hidden: tuple[Annotated[int, Field(ge=1, le=4096)], ...] = Field(
        (128, 128, 128), min_length=1, max_length=16, description="Width of each hidden layer.")
    activation: Activation = Field("silu", description="Hidden-layer nonlinearity.")
    heteroscedastic: bool = Field(True, description="Each member also predicts the "
                                  "batch-to-batch scatter (a variance head trained by "
                                  "Gaussian likelihood), added to the members' spread.")
    log_inputs: Literal["auto", "never"] = Field("auto", description="'auto' feeds the "
                                                 "network the logarithm of strictly positive "
                                                 "inputs that span a decade or more and are "
                                                 "skewed on the raw scale (ages, residence "
                                                 "times); 'never' keeps every input linear.")
    input_encoding: InputEncoding = Field(
        "auto", description="How inputs reach the network. 'piecewise' adds each input's "
        "piecewise-linear encoding over quantile bins of the training rows (sharp, local "
        "effects come easier, and the ramps saturate outside the data, as trees do, while "
        "the inputs themselves still enter linearly); 'linear' feeds the standardised "
        "inputs only; 'auto' trains 'linear' and, unless it beats gradient boosting "
        "clearly on the validation rows (paired z of the absolute errors below -2, whole "
        "groups as one observation), also 'piecewise', which it keeps unless 'linear' is "
        "clearly better in turn.")
    encoding_bins: int = Field(32, ge=1, le=256, description="Most quantile bins per "
                               "input of the piecewise encoding.")
    bounded_mean: bool = Field(True, description="Predict the mean at the input clamped "
                               "into the training ranges (the uncertainty still grows "
                               "outside them), so the mean never runs away where the "
                               "logs have no data.")
    calibrate: bool = Field(True, description="Scale each outcome's standard deviation so "
                            "that 90% of the validation rows fall inside the nominal 90% "
                            "interval (checked again on the later test rows).")
    max_epochs: int = Field(300, ge=1, le=100_000, description="Upper bound on training epochs.")
    patience: int = Field(25, ge=1, description="Stop after this many epochs without a "
                          "validation improvement in any member.")
    batch_size: int = Field(256, ge=1, description="Rows per minibatch (smaller for small "
                            "data: at least 8 minibatches per epoch, 32 rows or more).")
    plateau_factor: float = Field(0.3, gt=0, le=1, description="Multiply the learning rate "
                                  "by this after patience/2 epochs without improvement in "
                                  "any member (1 = constant learning rate).")
    learning_rate: float = Field(2e-3, gt=0, le=1, description="AdamW learning rate.")
    weight_decay: float = Field(1e-4, ge=0, le=1, description="AdamW weight decay (weights "
                                "only, not biases).")
    valid_fraction: float = Field(0.15, gt=0, lt=1, description="Share of rows, just before "
                                  "the test rows in time, used for early stopping and "
                                  "calibration.")
    test_fraction: float = Field(0.15, gt=0, lt=1, description="Share of the most recent "
                                 "rows held out for the model card's accuracy and "
                                 "calibration figures; never trained or tuned on.")
    bootstrap: bool = Field(False, description="Train each member on its own bootstrap "
                            "resample of the rows (more spread, less data per member).")
    fine_tune: FineTuneMode = Field("auto", description="Pretrain on every line, then "
                                    "fine-tune on the planned line's rows: 'auto' does so "
                                    "when the planned line has fewer than fine_tune_below "
                                    "usable rows and other lines have more.")
    fine_tune_below: int = Field(400, ge=1, description="'auto' fine-tunes when the "
                                 "planned line has fewer usable rows than this.")
    fine_tune_learning_rate: float = Field(1e-3, gt=0, le=1, description="Learning rate "
                                           "of the fine-tuning.")
    fine_tune_anchor: float = Field(1e-2, ge=0, description="Strength of the pull of the "
                                    "fine-tuned weights towards the pretrained ones "
                                    "(L2-SP penalty, standardised units).")
    seed: int = Field(0, ge=0, description="Seed of initial weights and minibatch order.")
    threads: int | None = Field(None, ge=1, le=1024, description="CPU threads for training; "
                                "by default 1 for small networks (threads only add overhead "
                                "there), else torch's default.")

    @model_validator(mode="after")
    def _fractions_leave_training_rows(self) -> EnsembleConfig:
        if self.valid_fraction + self.test_fraction >= 0.9:
            raise ValueError(
                f"valid_fraction + test_fraction = {self.valid_fraction + self.test_fraction:g}"
                " leaves almost nothing to train on; keep their sum below 0.9")
        return self
