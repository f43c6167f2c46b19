"""The content folder as data: lessons, quizzes and resources, validated on load."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import frontmatter
import yaml

# content/ sits beside the package in the repository; an operator may point elsewhere.
CONTENT_DIR = Path(os.environ.get("FINETUNE_GUIDE_CONTENT", Path(__file__).resolve().parent.parent / "content"))

PAGES: tuple[str, ...] = (
    "home",
    "learn",
    "resources",
    "decide",
    "studio",
    "calculator",
    "token-lab",
    "jobs",
    "compare",
)
RESOURCE_KINDS: tuple[str, ...] = ("concept", "how-to", "tutorial", "video", "tool")
RESOURCE_PROVIDERS: tuple[str, ...] = ("OpenAI", "Azure", "Hugging Face", "W&B", "community")


class ContentError(ValueError):
    """A content file breaks its contract; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True, slots=True)
class QuizOption:
    text: str
    correct: bool
    why: str


@dataclass(frozen=True, slots=True)
class QuizQuestion:
    question: str
    options: tuple[QuizOption, ...]

    @property
    def correct_index(self) -> int:
        return next(i for i, option in enumerate(self.options) if option.correct)


@dataclass(frozen=True, slots=True)
class Lesson:
    id: str
    language: str
    order: int
    title: str
    minutes: int
    as_of: dt.date
    related_page: str
    objectives: tuple[str, ...]
    sources: tuple[Source, ...]
    body: str
    quiz: tuple[QuizQuestion, ...]


@dataclass(frozen=True, slots=True)
class Resource:
    id: str
    url: str
    kind: str
    provider: str
    lesson: str
    title: Mapping[str, str]
    description: Mapping[str, str]


def _require(condition: bool, where: Path | str, message: str) -> None:
    if not condition:
        raise ContentError(f"{where}: {message}")


def _is_https(url: object) -> bool:
    if not isinstance(url, str):
        return False
    parsed = urlparse(url)
    return parsed.scheme == "https" and bool(parsed.netloc)


def _nonempty_str(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def load_quiz(path: Path) -> tuple[QuizQuestion, ...]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    questions = raw.get("questions") if isinstance(raw, dict) else None
    _require(isinstance(questions, list) and 3 <= len(questions) <= 5, path, "needs 3 to 5 questions")
    assert isinstance(questions, list)
    parsed: list[QuizQuestion] = []
    for number, item in enumerate(questions, start=1):
        where = f"{path} question {number}"
        _require(isinstance(item, dict) and _nonempty_str(item.get("question")), where, "needs a question")
        options = item.get("options")
        _require(isinstance(options, list) and 3 <= len(options) <= 4, where, "needs 3 or 4 options")
        built = []
        for option in options:
            _require(
                isinstance(option, dict) and _nonempty_str(option.get("text")) and _nonempty_str(option.get("why")),
                where,
                "every option needs text and why",
            )
            built.append(QuizOption(option["text"].strip(), option.get("correct") is True, option["why"].strip()))
        _require(sum(o.correct for o in built) == 1, where, "exactly one option must be correct")
        parsed.append(QuizQuestion(item["question"].strip(), tuple(built)))
    return tuple(parsed)


def load_lesson(path: Path, language: str, quiz_dir: Path) -> Lesson:
    post = frontmatter.load(str(path))
    meta: dict[str, Any] = dict(post.metadata)
    for field in ("id", "order", "title", "minutes", "as_of", "related_page", "objectives", "sources"):
        _require(field in meta, path, f"front matter lacks {field!r}")
    lesson_id = str(meta["id"])
    _require(path.stem.endswith(lesson_id), path, f"file name must end with the id {lesson_id!r}")
    _require(isinstance(meta["order"], int) and meta["order"] > 0, path, "order must be a positive integer")
    _require(isinstance(meta["minutes"], int) and 0 < meta["minutes"] <= 60, path, "minutes must be 1..60")
    as_of = meta["as_of"]
    _require(isinstance(as_of, dt.date), path, "as_of must be a date (YYYY-MM-DD)")
    _require(meta["related_page"] in PAGES, path, f"related_page must be one of {', '.join(PAGES)}")
    objectives = meta["objectives"]
    _require(
        isinstance(objectives, list) and 3 <= len(objectives) <= 5 and all(map(_nonempty_str, objectives)),
        path,
        "needs 3 to 5 objectives",
    )
    sources = meta["sources"]
    _require(isinstance(sources, list) and len(sources) >= 1, path, "needs at least one source")
    built_sources = []
    for source in sources:
        _require(
            isinstance(source, dict) and _nonempty_str(source.get("title")) and _is_https(source.get("url")),
            path,
            "every source needs a title and an https url",
        )
        built_sources.append(Source(source["title"].strip(), source["url"].strip()))
    _require(len(post.content.strip()) > 200, path, "the lesson body is missing or too short")
    quiz_path = quiz_dir / f"{lesson_id}.yaml"
    _require(quiz_path.exists(), path, f"has no knowledge check at {quiz_path}")
    return Lesson(
        id=lesson_id,
        language=language,
        order=meta["order"],
        title=str(meta["title"]).strip(),
        minutes=meta["minutes"],
        as_of=as_of,
        related_page=meta["related_page"],
        objectives=tuple(o.strip() for o in objectives),
        sources=tuple(built_sources),
        body=post.content.strip(),
        quiz=load_quiz(quiz_path),
    )


def load_lessons(language: str, root: Path | None = None) -> tuple[Lesson, ...]:
    """Every lesson of one language, in order."""
    base = root or CONTENT_DIR
    lessons = [
        load_lesson(path, language, base / "quizzes" / language)
        for path in sorted((base / "lessons" / language).glob("*.md"))
    ]
    ids = [lesson.id for lesson in lessons]
    _require(len(ids) == len(set(ids)), base / "lessons" / language, "duplicate lesson id")
    return tuple(sorted(lessons, key=lambda lesson: lesson.order))


def load_resources(root: Path | None = None, languages: tuple[str, ...] = ("en", "pl")) -> tuple[Resource, ...]:
    """The resource library; every item needs both languages, an https URL, a known kind and provider."""
    path = (root or CONTENT_DIR) / "resources.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items = raw.get("resources") if isinstance(raw, dict) else None
    _require(isinstance(items, list) and bool(items), path, "needs a non-empty 'resources' list")
    assert isinstance(items, list)
    built: list[Resource] = []
    for number, item in enumerate(items, start=1):
        where = f"{path} item {number}"
        _require(isinstance(item, dict), where, "must be a mapping")
        _require(_nonempty_str(item.get("id")), where, "needs an id")
        _require(_is_https(item.get("url")), where, "needs an https url")
        _require(item.get("kind") in RESOURCE_KINDS, where, f"kind must be one of {', '.join(RESOURCE_KINDS)}")
        _require(
            item.get("provider") in RESOURCE_PROVIDERS,
            where,
            f"provider must be one of {', '.join(RESOURCE_PROVIDERS)}",
        )
        _require(_nonempty_str(item.get("lesson")), where, "needs the lesson it supports")
        for field in ("title", "description"):
            texts = item.get(field)
            _require(
                isinstance(texts, dict) and all(_nonempty_str(texts.get(lang)) for lang in languages),
                where,
                f"{field} needs every language ({', '.join(languages)})",
            )
        built.append(
            Resource(
                id=item["id"],
                url=item["url"].strip(),
                kind=item["kind"],
                provider=item["provider"],
                lesson=item["lesson"],
                title=dict(item["title"]),
                description=dict(item["description"]),
            )
        )
    for attribute in ("id", "url"):
        values = [getattr(resource, attribute) for resource in built]
        duplicates = {value for value in values if values.count(value) > 1}
        _require(not duplicates, path, f"duplicate {attribute}: {', '.join(sorted(duplicates))}")
    return tuple(built)


def search_resources(
    resources: tuple[Resource, ...],
    language: str,
    query: str = "",
    *,
    kinds: frozenset[str] = frozenset(),
    providers: frozenset[str] = frozenset(),
    lesson: str = "",
) -> tuple[Resource, ...]:
    """Resources matching every given filter; the query matches title, description and URL, case-blind."""
    needle = query.strip().casefold()
    return tuple(
        resource
        for resource in resources
        if (not kinds or resource.kind in kinds)
        and (not providers or resource.provider in providers)
        and (not lesson or resource.lesson == lesson)
        and (
            not needle
            or needle
            in " ".join(
                (resource.title.get(language, ""), resource.description.get(language, ""), resource.url)
            ).casefold()
        )
    )
