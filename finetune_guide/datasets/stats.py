"""Statistics of a measured file: distributions of messages and tokens, and what training would bill."""

from __future__ import annotations

from array import array

import numpy as np

from finetune_guide.costs import default_epochs
from finetune_guide.datasets.models import DatasetStats, Distribution, ExampleMeasures


def distribution(values: array[int] | list[int]) -> Distribution:
    """Total, min, max, mean and the 10th/50th/90th percentiles (linear interpolation, as numpy's default)."""
    if len(values) == 0:
        return Distribution(0, 0, 0, 0.0, 0.0, 0.0, 0.0)
    numbers = np.asarray(values, dtype=np.int64)
    p10, p50, p90 = (float(x) for x in np.percentile(numbers, [10, 50, 90]))
    return Distribution(
        total=int(numbers.sum()),
        min=int(numbers.min()),
        max=int(numbers.max()),
        mean=float(numbers.mean()),
        p10=p10,
        p50=p50,
        p90=p90,
    )


def dataset_stats(measures: ExampleMeasures, limit: int) -> DatasetStats:
    tokens = np.asarray(measures.tokens, dtype=np.int64)
    billing = int(np.minimum(tokens, limit).sum()) if len(tokens) else 0
    epochs = default_epochs(len(tokens))
    return DatasetStats(
        examples=len(tokens),
        messages_per_example=distribution(measures.messages),
        tokens=distribution(measures.tokens),
        assistant_tokens=distribution(measures.assistant_tokens),
        max_tokens_per_example=limit,
        too_long_examples=int((tokens > limit).sum()) if len(tokens) else 0,
        billing_tokens_per_epoch=billing,
        default_epochs=epochs,
        billed_training_tokens=epochs * billing,
    )
