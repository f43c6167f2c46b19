"""The content folder as data: lessons, quizzes and resources, validated on load."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import unicodedata
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
RESOURCE_PROVIDERS: tuple[str, ...] = ("OpenAI", "Azure", "Microsoft Research", "Hugging Face", "W&B", "community")


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


@dataclass(frozen=True, slots=True)
class SearchSynonyms:
    """Words a learner may type for one idea (folded, split into words), and words a search ignores."""

    groups: tuple[tuple[tuple[str, ...], ...], ...]
    ignored: frozenset[str]


# Letters NFKD does not take apart, folded by hand so "łódź" finds "lodz".
_FOLD_EXTRA = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Text for comparison: accents removed (NFKD), case folded, Polish ł and a few other letters spelled out."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD_EXTRA))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).translate(_FOLD_EXTRA)


def words(text: str) -> tuple[str, ...]:
    """The folded words of a text; punctuation and hyphens separate words ("fine-tuning" is two)."""
    return tuple(_WORD.findall(fold(text)))


def load_search_synonyms(root: Path | None = None) -> SearchSynonyms:
    """content/search_synonyms.yaml: groups of words and phrases that mean the same in a search."""
    path = (root or CONTENT_DIR) / "search_synonyms.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    groups = raw.get("groups") if isinstance(raw, dict) else None
    _require(isinstance(groups, list) and bool(groups), path, "needs a non-empty 'groups' list")
    assert isinstance(groups, list)
    built: list[tuple[tuple[str, ...], ...]] = []
    for number, group in enumerate(groups, start=1):
        _require(
            isinstance(group, list) and len(group) >= 2 and all(_nonempty_str(item) for item in group),
            f"{path} group {number}",
            "needs at least two words or phrases",
        )
        phrases = tuple(dict.fromkeys(words(item) for item in group if words(item)))
        _require(len(phrases) >= 2, f"{path} group {number}", "needs at least two different words or phrases")
        built.append(phrases)
    ignored = raw.get("ignored", [])
    _require(isinstance(ignored, list) and all(map(_nonempty_str, ignored)), path, "'ignored' must list words")
    return SearchSynonyms(tuple(built), frozenset(word for item in ignored for word in words(item)))


@functools.lru_cache(maxsize=1)
def default_search_synonyms() -> SearchSynonyms:
    """The synonym table of the content folder, read once per process."""
    return load_search_synonyms()


def _stem(word: str) -> str:
    """A crude stem for prefix matching, so inflected forms meet: "dostrajanie" ~ "dostrajania", "modele" ~ "model"."""
    if len(word) >= 7:
        return word[:-2]
    if len(word) == 6:
        return word[:-1]
    return word


def _phrase_in(phrase: tuple[str, ...], haystack: frozenset[str]) -> bool:
    """Every word of the phrase occurs; words of up to three letters ("DPO", "RAG", "2") only as whole words."""
    return all(
        part in haystack if len(part) <= 3 else any(word.startswith(_stem(part)) for word in haystack)
        for part in phrase
    )


def _query_terms(query: str, synonyms: SearchSynonyms) -> list[tuple[tuple[str, ...], ...]]:
    """The query as terms to match, each a set of alternative phrases; longer synonym phrases are taken first."""
    tokens = [token for token in words(query) if token not in synonyms.ignored] or list(words(query))
    by_phrase = {phrase: group for group in synonyms.groups for phrase in group}
    longest = max((len(phrase) for phrase in by_phrase), default=1)
    terms: list[tuple[tuple[str, ...], ...]] = []
    index = 0
    while index < len(tokens):
        for size in range(min(longest, len(tokens) - index), 0, -1):
            candidate = tuple(tokens[index : index + size])
            if candidate in by_phrase:
                terms.append(by_phrase[candidate])
                index += size
                break
        else:
            terms.append(((tokens[index],),))
            index += 1
    return terms


def search_resources(
    resources: tuple[Resource, ...],
    language: str,
    query: str = "",
    *,
    kinds: frozenset[str] = frozenset(),
    providers: frozenset[str] = frozenset(),
    lesson: str = "",
    lesson_titles: Mapping[str, str] | None = None,
    kind_labels: Mapping[str, str] | None = None,
    synonyms: SearchSynonyms | None = None,
) -> tuple[Resource, ...]:
    """Resources matching every filter and every word of the query, in library order.

    A query word matches a word of the title, description, kind, provider, URL or the supporting lesson's title
    that starts with it (roughly stemmed), ignoring accents and case; a word from the synonym table also matches
    every other word of its group ("DPO" finds "preference", "cena" finds "price")."""
    table = synonyms if synonyms is not None else default_search_synonyms()
    terms = _query_terms(query, table)
    titles = lesson_titles or {}
    labels = kind_labels or {}
    found = []
    for resource in resources:
        if (kinds and resource.kind not in kinds) or (providers and resource.provider not in providers):
            continue
        if lesson and resource.lesson != lesson:
            continue
        if terms:
            text = " ".join(
                (
                    resource.title.get(language, ""),
                    resource.description.get(language, ""),
                    resource.kind,
                    labels.get(resource.kind, ""),
                    resource.provider,
                    titles.get(resource.lesson, ""),
                    resource.url,
                )
            )
            haystack = frozenset(words(text))
            if not all(any(_phrase_in(phrase, haystack) for phrase in term) for term in terms):
                continue
        found.append(resource)
    return tuple(found)
