"""Fine-tuning data checks: read JSONL line by line, validate it for a model and method, measure it, fix it.

The package's modules each hold one concern (see README); this module re-exports the public names other
modules use as `datasets.<name>`. The token formula is stated in counting.py.
"""

from __future__ import annotations

from finetune_guide.datasets.check import (
    FORMATS,
    MAX_FINGERPRINTS,
    MIN_EXAMPLES,
    RECOMMENDED_EXAMPLES,
    analyze,
    invalid_lines,
)
from finetune_guide.datasets.counting import example_texts, example_tokens, message_tokens
from finetune_guide.datasets.issues import (
    FILE_LEVEL_CODES,
    UNUSABLE_CODES,
    Severity,
    issue_codes,
    issue_ids,
    issue_text,
    issue_texts,
    severity_of,
)
from finetune_guide.datasets.models import (
    FILE_LEVEL_LINE,
    MAX_ISSUES_PER_CODE,
    DatasetReport,
    DatasetStats,
    Distribution,
    ExampleMeasures,
    Issue,
)
from finetune_guide.datasets.parsing import compact_json, parse_line
from finetune_guide.datasets.readback import Turn, conversation, read_examples, read_line
from finetune_guide.datasets.reading import MAX_LINE_BYTES, fingerprint, iter_lines
from finetune_guide.datasets.rules.base import MAX_IMAGES_PER_EXAMPLE
from finetune_guide.datasets.samples import SAMPLES_DIR, Sample, samples
from finetune_guide.datasets.stats import distribution
from finetune_guide.datasets.targets import (
    DEFAULT_MODEL,
    METHODS,
    known_models,
    max_tokens_per_example,
    model_methods,
)

__all__ = [
    "DEFAULT_MODEL",
    "FILE_LEVEL_CODES",
    "FILE_LEVEL_LINE",
    "FORMATS",
    "MAX_FINGERPRINTS",
    "MAX_IMAGES_PER_EXAMPLE",
    "MAX_ISSUES_PER_CODE",
    "MAX_LINE_BYTES",
    "METHODS",
    "MIN_EXAMPLES",
    "RECOMMENDED_EXAMPLES",
    "SAMPLES_DIR",
    "UNUSABLE_CODES",
    "DatasetReport",
    "DatasetStats",
    "Distribution",
    "ExampleMeasures",
    "Issue",
    "Sample",
    "Severity",
    "Turn",
    "analyze",
    "compact_json",
    "conversation",
    "distribution",
    "example_texts",
    "example_tokens",
    "fingerprint",
    "invalid_lines",
    "issue_codes",
    "issue_ids",
    "issue_text",
    "issue_texts",
    "iter_lines",
    "known_models",
    "max_tokens_per_example",
    "message_tokens",
    "model_methods",
    "parse_line",
    "read_examples",
    "read_line",
    "samples",
    "severity_of",
]
