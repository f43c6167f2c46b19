"""Content is data with a contract: every lesson in both languages, with objectives, sources and a quiz;
every resource with both languages, an https URL and no duplicate."""

from pathlib import Path

import pytest

from finetune_guide import content
from finetune_guide.i18n import LANGUAGES

EXPECTED_LESSONS = (
    "what-is-fine-tuning",
    "when-to-fine-tune",
    "landscape-2026",
    "preparing-data",
    "what-it-costs",
    "running-a-job",
    "evaluating",
    "function-calling",
    "continuous-dpo-rft",
    "deploying-and-operating",
    "open-model-lora",
)


@pytest.fixture(scope="module")
def lessons() -> dict[str, tuple[content.Lesson, ...]]:
    return {language: content.load_lessons(language) for language in LANGUAGES}


def test_the_eleven_lessons_exist_in_order_in_every_language(lessons: dict[str, tuple[content.Lesson, ...]]) -> None:
    for language in LANGUAGES:
        assert tuple(lesson.id for lesson in lessons[language]) == EXPECTED_LESSONS, language


def test_every_lesson_matches_its_translation(lessons: dict[str, tuple[content.Lesson, ...]]) -> None:
    for english, polish in zip(lessons["en"], lessons["pl"], strict=True):
        assert (english.id, english.order, english.related_page) == (polish.id, polish.order, polish.related_page)
        assert len(english.objectives) == len(polish.objectives)
        assert [q.correct_index for q in english.quiz] == [q.correct_index for q in polish.quiz], english.id
        assert [len(q.options) for q in english.quiz] == [len(q.options) for q in polish.quiz], english.id
        assert english.title != polish.title, f"{english.id} looks untranslated"


def test_every_lesson_has_objectives_sources_and_a_dated_quiz(
    lessons: dict[str, tuple[content.Lesson, ...]],
) -> None:
    for lesson in (*lessons["en"], *lessons["pl"]):
        assert 3 <= len(lesson.objectives) <= 5
        assert lesson.sources and all(source.url.startswith("https://") for source in lesson.sources)
        assert 3 <= len(lesson.quiz) <= 5
        assert all(option.why for question in lesson.quiz for option in question.options)
        assert lesson.as_of.year >= 2026


def test_the_data_lesson_documents_the_token_formula(lessons: dict[str, tuple[content.Lesson, ...]]) -> None:
    for language in LANGUAGES:
        body = next(lesson.body for lesson in lessons[language] if lesson.id == "preparing-data")
        assert "o200k_base" in body and "cl100k_base" in body and "3" in body


def test_lesson_bodies_hold_no_raw_html(lessons: dict[str, tuple[content.Lesson, ...]]) -> None:
    for lesson in (*lessons["en"], *lessons["pl"]):
        assert "<script" not in lesson.body.lower() and "<div" not in lesson.body.lower(), lesson.id


def test_resources_have_both_languages_https_and_no_duplicates() -> None:
    resources = content.load_resources()
    urls = [resource.url for resource in resources]
    assert len(set(urls)) == len(urls) >= 18
    assert all(url.startswith("https://") for url in urls)
    lesson_ids = set(EXPECTED_LESSONS)
    assert all(resource.lesson in lesson_ids for resource in resources)


# Every link of the seed course's resource list (microsoft/generative-ai-for-beginners, 18-fine-tuning/RESOURCES.md),
# as FACTS.md §1.5 tables them, plus the three links that RESOURCES.md carries inline in its descriptions (the Phi-2
# post and the two AutoTrain posts). Data copied from the source documents: the expectation, not a product constant.
SEED_LINKS = (
    "https://platform.openai.com/docs/guides/fine-tuning",
    "https://learn.microsoft.com/azure/ai-services/openai/concepts/fine-tuning-considerations#what-is-fine-tuning-with-azure-openai",
    "https://learn.microsoft.com/azure/ai-services/openai/how-to/fine-tuning?tabs=turbo%2Cpython&pivots=programming-language-studio#continuous-fine-tuning",
    "https://learn.microsoft.com/ai/playbook/technology-guidance/generative-ai/working-with-llms/fine-tuning-recommend",
    "https://learn.microsoft.com/azure/ai-services/openai/how-to/fine-tuning-functions",
    "https://learn.microsoft.com/azure/ai-services/openai/concepts/models#fine-tuning-models",
    "https://learn.microsoft.com/shows/ai-show/to-fine-tune-or-not-fine-tune-that-is-the-question",
    "https://learn.microsoft.com/ai/playbook/technology-guidance/generative-ai/working-with-llms/fine-tuning",
    "https://learn.microsoft.com/azure/ai-services/openai/tutorials/fine-tune?tabs=python%2Ccommand-line",
    "https://learn.microsoft.com/azure/ai-studio/how-to/fine-tune-model-llama",
    "https://learn.microsoft.com/azure/databricks/machine-learning/train-model/huggingface/fine-tune-model",
    "https://learn.microsoft.com/training/modules/finetune-foundation-model-with-azure-machine-learning/",
    "https://learn.microsoft.com/training/paths/work-with-generative-models-azure-machine-learning/",
    "https://docs.wandb.ai/guides/integrations/azure-openai-fine-tuning",
    "https://cookbook.openai.com/examples/chat_finetuning_data_prep",
    "https://cookbook.openai.com/examples/fine-tuned_qa/ft_retrieval_augmented_generation_qdrant",
    "https://cookbook.openai.com/examples/third_party/gpt_finetuning_with_wandb",
    "https://docs.wandb.ai/guides/integrations/openai",
    "https://huggingface.co/blog/g-ronimo/phinetuning",
    "https://www.microsoft.com/en-us/research/blog/phi-2-the-surprising-power-of-small-language-models/",
    "https://www.philschmid.de/fine-tune-llms-in-2024-with-trl",
    "https://github.com/huggingface/autotrain-advanced",
    "https://twitter.com/abhi1thakur/status/1755167674894557291",
    "https://twitter.com/abhi1thakur/status/1750828141805777057",
    "https://huggingface.co/autotrain",
)


def _same_page(url: str) -> str:
    """A URL without its #anchor, trailing slash or /en-us/ locale, so two links to one page compare equal."""
    return url.split("#", maxsplit=1)[0].rstrip("/").replace("/en-us/", "/")


def test_every_seed_link_of_the_course_is_in_the_library() -> None:
    library = {_same_page(resource.url) for resource in content.load_resources()}
    missing = [url for url in SEED_LINKS if _same_page(url) not in library]
    assert missing == []


def test_a_resource_without_polish_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "resources.yaml").write_text(
        "resources:\n  - id: a\n    url: https://example.org\n    kind: tool\n    provider: OpenAI\n"
        "    lesson: evaluating\n    title: {en: A}\n    description: {en: B, pl: C}\n",
        encoding="utf-8",
    )
    with pytest.raises(content.ContentError, match="title needs every language"):
        content.load_resources(tmp_path)


def test_a_duplicate_resource_url_is_rejected(tmp_path: Path) -> None:
    item = (
        "  - id: {id}\n    url: https://example.org/x\n    kind: tool\n    provider: OpenAI\n"
        "    lesson: evaluating\n    title: {{en: A, pl: A}}\n    description: {{en: B, pl: B}}\n"
    )
    (tmp_path / "resources.yaml").write_text(
        "resources:\n" + item.format(id="a") + item.format(id="b"), encoding="utf-8"
    )
    with pytest.raises(content.ContentError, match="duplicate url"):
        content.load_resources(tmp_path)


def test_a_lesson_without_a_quiz_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "lessons" / "en").mkdir(parents=True)
    (tmp_path / "quizzes" / "en").mkdir(parents=True)
    (tmp_path / "lessons" / "en" / "01-x.md").write_text(
        "---\nid: x\norder: 1\ntitle: X\nminutes: 5\nas_of: 2026-11-28\nrelated_page: learn\n"
        "objectives: [a, b, c]\nsources: [{title: S, url: 'https://example.org'}]\n---\n" + "Body. " * 60,
        encoding="utf-8",
    )
    with pytest.raises(content.ContentError, match="has no knowledge check"):
        content.load_lessons("en", tmp_path)


def test_search_filters_by_text_kind_and_provider() -> None:
    resources = content.load_resources()
    videos = content.search_resources(resources, "en", kinds=frozenset({"video"}))
    assert videos and all(resource.kind == "video" for resource in videos)
    hugging = content.search_resources(resources, "en", providers=frozenset({"Hugging Face"}))
    assert hugging and all(resource.provider == "Hugging Face" for resource in hugging)
    assert content.search_resources(resources, "en", query="zzzz-no-such-thing") == ()
