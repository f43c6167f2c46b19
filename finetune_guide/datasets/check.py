"""The check: one pass over a file that validates every line and measures it, giving a DatasetReport."""

from __future__ import annotations

import hashlib
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Final, Literal

from finetune_guide.datasets import reading
from finetune_guide.datasets.checker import Batch, Checker
from finetune_guide.datasets.counting import TokenCounter
from finetune_guide.datasets.findings import Findings
from finetune_guide.datasets.issues import UNUSABLE_CODES
from finetune_guide.datasets.models import FILE_LEVEL_LINE, DatasetReport, ExampleMeasures
from finetune_guide.datasets.parsing import parse
from finetune_guide.datasets.stats import dataset_stats
from finetune_guide.datasets.targets import (
    DEFAULT_MODEL,
    METHOD_CATALOG_NAMES,
    METHODS,
    max_tokens_per_example,
    model_methods,
)
from finetune_guide.tokens import encoding_name_for_model, get_encoding

FORMATS: Final = (
    "chat",
    "chat_tools",
    "chat_functions",
    "chat_images",
    "dpo",
    "rft",
    "prompt_completion",
    "unknown",
    "empty",
)
MIN_EXAMPLES: Final = 10
RECOMMENDED_EXAMPLES: Final = 50
# Duplicate detection remembers this many line fingerprints (SHA-1, 20 bytes each).
MAX_FINGERPRINTS: Final = 2_000_000
# A batch of examples goes to the token counter when it holds this many examples or bytes.
_BATCH_EXAMPLES: Final = 512
_BATCH_BYTES: Final = 1 << 20


def analyze(
    data: bytes | Iterable[bytes],
    *,
    model: str = DEFAULT_MODEL,
    method: str = "supervised",
    progress: Callable[[float], None] | None = None,
    keep_measures: bool = True,
    role: Literal["train", "validation"] = "train",
) -> DatasetReport:
    """Validate and measure a JSONL dataset for a model and a fine-tuning method; never raises on bad data.

    `data` is the whole file, or an iterable of byte chunks (a file opened in binary mode, read in blocks),
    which keeps memory bounded by the largest line. `progress` gets the fraction done (for bytes input).
    A validation file (`role="validation"`) has no minimum number of examples.
    """
    return _Run(model, method, Findings()).report(data, progress=progress, keep_measures=keep_measures, role=role)


def invalid_lines(data: bytes, *, model: str = DEFAULT_MODEL, method: str = "supervised") -> frozenset[int]:
    """Every line with an error of its own (the count is not capped like the report's issue list)."""
    findings = Findings(track_error_lines=True)
    _Run(model, method, findings).report(data, progress=None, keep_measures=False, role="train")
    return frozenset(findings.error_lines or ())


class _Run:
    """One pass over a file: lines are parsed and checked here while worker threads count the tokens.

    Examples are queued in batches; a batch is sent to the counter when it is full and settled when the
    next one is sent, so counting one batch overlaps parsing the next.
    """

    def __init__(self, model: str, method: str, findings: Findings) -> None:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; use one of: {', '.join(METHODS)}")
        self.model = model
        self.method = method
        self.findings = findings
        self.encoding = encoding_name_for_model(model)
        self.limit = max_tokens_per_example(model)
        self.counter = TokenCounter(get_encoding(self.encoding))
        self.checker = Checker(model, method, findings, self.counter)
        self.measures = ExampleMeasures(array("q"), array("l"), array("q"), array("q"))
        self.in_flight: deque[Batch] = deque()

    def report(
        self,
        data: bytes | Iterable[bytes],
        *,
        progress: Callable[[float], None] | None,
        keep_measures: bool,
        role: str,
    ) -> DatasetReport:
        try:
            lines, examples = self._read(data, progress)
        finally:
            self.counter.close()
        if progress is not None:
            progress(1.0)
        findings = self.findings
        usable = not any(code in UNUSABLE_CODES for code in findings.counts)
        if usable and examples == 0:
            findings.add(FILE_LEVEL_LINE, "empty_file")
            usable = False
        if usable:
            counted = examples if role == "train" else RECOMMENDED_EXAMPLES  # a validation file has no minimum
            _file_findings(findings, self.checker, counted, self.model, self.method)
        return DatasetReport(
            format=_file_format(self.checker.kinds, examples, usable),
            model=self.model,
            method=self.method,
            encoding=self.encoding,
            examples=examples,
            issues=tuple(sorted(findings.issues, key=lambda issue: issue.line)),
            stats=dataset_stats(self.measures, self.limit) if usable else None,
            counts=dict(findings.counts),
            measures=self.measures if keep_measures and usable else None,
            lines=lines,
        )

    def _read(self, data: bytes | Iterable[bytes], progress: Callable[[float], None] | None) -> tuple[int, int]:
        """Check every line; returns (lines, examples), where an example is any line that is not blank."""
        total_bytes = len(data) if isinstance(data, (bytes, bytearray, memoryview)) else 0
        add = self.findings.add
        checker = self.checker
        fingerprints: dict[bytes, int] = {}
        line = examples = done_bytes = batch_bytes = 0
        reported = 0.0
        for raw, size in reading.lines(reading.chunks_with_sniff(data, self.findings)):
            line += 1
            done_bytes += size + 1
            batch_bytes += size
            if raw is None:
                examples += 1
                add(line, "line_too_large", size_mb=round(size / 2**20), limit_mb=reading.MAX_LINE_BYTES // 2**20)
                continue
            text = (raw[3:] if line == 1 and raw.startswith(reading.BOM) else raw).strip()
            if not text:
                add(line, "blank_line")
                continue
            examples += 1
            digest = hashlib.sha1(text, usedforsecurity=False).digest()
            first = fingerprints.get(digest)
            if first is not None:
                add(line, "duplicate_example", first=first)
            elif len(fingerprints) < MAX_FINGERPRINTS:
                fingerprints[digest] = line
            value, problem = parse(text)
            del raw, text  # a long line's bytes need not stay in memory while its texts are counted
            if problem is not None:
                add(line, problem[0], **problem[1])
                checker.count_kind("unknown")
            else:
                checker.check(line, value)
            if len(checker.batch.examples) >= _BATCH_EXAMPLES or batch_bytes >= _BATCH_BYTES:
                batch_bytes = 0
                self._dispatch()
                if progress is not None and total_bytes and done_bytes / total_bytes - reported >= 0.01:
                    reported = done_bytes / total_bytes
                    progress(min(reported, 0.99))
        self._dispatch()
        while self.in_flight:
            self._settle(self.in_flight.popleft())
        return line, examples

    def _dispatch(self) -> None:
        """Send the current batch to the counter; settle the one before it."""
        batch = self.checker.batch
        if batch.examples:
            batch.handle = self.counter.submit(batch.texts)
            self.in_flight.append(batch)
            self.checker.batch = Batch()
        while len(self.in_flight) > 1:
            self._settle(self.in_flight.popleft())

    def _settle(self, batch: Batch) -> None:
        counts = self.counter.results(batch.handle)
        measures, limit = self.measures, self.limit
        for line, message_count, fixed, slots, learned_fixed, learned_slots in batch.examples:
            tokens = fixed + sum([counts[slot] for slot in slots])
            learned = learned_fixed + sum([counts[slot] for slot in learned_slots])
            measures.lines.append(line)
            measures.messages.append(message_count)
            measures.tokens.append(tokens)
            measures.assistant_tokens.append(learned)
            if tokens > limit:
                self.findings.add(line, "too_long", tokens=tokens, limit=limit, model=self.model)
        self.counter.remember([batch.texts[slot] for slot in batch.keep], [counts[slot] for slot in batch.keep])


def _file_findings(findings: Findings, checker: Checker, examples: int, model: str, method: str) -> None:
    add = findings.add
    if examples < MIN_EXAMPLES:
        add(FILE_LEVEL_LINE, "too_few_examples", count=examples)
    elif examples < RECOMMENDED_EXAMPLES:
        add(FILE_LEVEL_LINE, "few_examples", count=examples)
    if checker.second_prompt_line:
        first = min(checker.system_prompts.values())
        add(
            checker.second_prompt_line,
            "multiple_system_prompts",
            count=len(checker.system_prompts),
            first=first,
        )
    supported = model_methods(model)
    wanted = METHOD_CATALOG_NAMES[method]
    if supported is not None and not any(name in supported for name in wanted):
        add(
            FILE_LEVEL_LINE,
            "method_not_supported",
            model=model,
            method=method,
            supported=", ".join(supported),
        )


def _file_format(kinds: Mapping[str, int], examples: int, usable: bool) -> str:
    """The most common kind of example (a tie goes to the plainer kind); "unknown" when none is known."""
    if not usable or examples == 0:
        return "empty" if examples == 0 else "unknown"
    known = {kind: n for kind, n in kinds.items() if kind != "unknown"}
    if not known:
        return "unknown"
    return max(known, key=lambda kind: (known[kind], -FORMATS.index(kind)))
