"""What a dataset's value range means for the decoder (torch-free, so pages can say it cheaply).

A Bernoulli decoder ends in a sigmoid: its outputs lie in [0, 1], so it can only reconstruct data
in [0, 1]; anything else is squashed. Decoder "auto" therefore picks Bernoulli only for images
whose values lie in [0, 1] (and models with an output activation), Gaussian (unbounded outputs)
otherwise. corel_core.models.resolved_decoder applies this rule; `decoder_note` says it in words.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Model kinds whose decoder has no output activation (the COREL code's linear / branch models).
PLAIN_OUTPUT = ("linear", "branch_conv")


def in_unit_interval(value_range: Sequence[float] | None) -> bool:
    """Whether data spanning `value_range` (min, max) fits a Bernoulli decoder (None: yes)."""
    return value_range is None or (value_range[0] >= 0.0 and value_range[1] <= 1.0)


def auto_decoder(
    model_kind: str, input_shape: Sequence[int], value_range: Sequence[float] | None = None
) -> str:
    """ "bernoulli" for (C, H, W) images in [0, 1] with an output activation, else "gaussian"."""
    image = len(tuple(input_shape)) == 3 and model_kind not in PLAIN_OUTPUT
    return "bernoulli" if image and in_unit_interval(value_range) else "gaussian"


def decoder_note(
    decoder: str,
    model_kind: str,
    input_shape: Sequence[int],
    value_range: Sequence[float] | None = None,
) -> str:
    """One sentence: which decoder a model with decoder setting `decoder` gets here, and why."""
    span = ""
    if value_range is not None:
        span = f"the data spans {value_range[0]:.3g} to {value_range[1]:.3g}"
    if decoder != "auto":
        warning = ""
        if decoder == "bernoulli" and not in_unit_interval(value_range):
            warning = " — outside [0, 1]: training refuses this; choose auto or gaussian"
        return f"Decoder {decoder} (chosen)" + (f"; {span}{warning}." if span else ".")
    resolved = auto_decoder(model_kind, input_shape, value_range)
    if resolved == "bernoulli":
        return "Decoder auto → Bernoulli (sigmoid outputs in [0, 1]): images in [0, 1]."
    if not in_unit_interval(value_range):
        return (
            f"Decoder auto → Gaussian (unbounded outputs): {span}, outside [0, 1], which a "
            "Bernoulli decoder's sigmoid would squash."
        )
    what = "a point cloud" if len(tuple(input_shape)) != 3 else f"the {model_kind} model"
    return f"Decoder auto → Gaussian (unbounded outputs) for {what}."
