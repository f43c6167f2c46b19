"""Learn page:
- lists the eleven lessons and opens the first by default;
- ?lesson=<id> opens that lesson (a shared link);
- an unknown ?lesson= falls back to the first lesson without an error;
- submitting the knowledge check shows a score and an explanation for every option;
- the options are shuffled per attempt: a rerun keeps the order, "Try again" clears the answers and reshuffles;
- blank questions are named before scoring, and a second submit scores them as wrong;
- once the quiz has counted the lesson as read, "Mark as read" is gone;
- marking a lesson read updates the progress bar; progress downloads as CSV and JSON;
- works in Polish.
"""

from finetune_guide.content import load_lessons
from finetune_guide.learning import option_orders
from tests.pages.conftest import open_page

PAGE = "app_pages/learn.py"
FIRST = "what-is-fine-tuning"
SEED_KEY = f"learn.quiz_seed.en.{FIRST}"


def _quiz_radios(app):  # type: ignore[no-untyped-def]
    return [radio for radio in app.radio if str(radio.key).startswith("learn.quiz.")]


def _submit(app) -> None:  # type: ignore[no-untyped-def]
    next(button for button in app.button if button.label == "Check my answers").click().run()
    assert not app.exception


def _shown_order(app) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [list(radio.options) for radio in _quiz_radios(app)]


def test_first_lesson_opens_by_default() -> None:
    app = open_page(PAGE)
    assert app.selectbox(key="learn.lesson").value == "what-is-fine-tuning"
    assert len(app.selectbox(key="learn.lesson").options) == 11


def test_shared_link_opens_the_named_lesson() -> None:
    app = open_page(PAGE, lesson="evaluating")
    assert app.selectbox(key="learn.lesson").value == "evaluating"
    assert app.query_params["lesson"] == "evaluating"


def test_unknown_lesson_in_the_link_falls_back_quietly() -> None:
    app = open_page(PAGE, lesson="<script>")
    assert not app.exception
    assert app.selectbox(key="learn.lesson").value == "what-is-fine-tuning"


def test_knowledge_check_scores_and_explains_every_option() -> None:
    app = open_page(PAGE)
    quiz_radios = [radio for radio in app.radio if str(radio.key).startswith("learn.quiz.")]
    assert 3 <= len(quiz_radios) <= 5
    for radio in quiz_radios:
        radio.set_value(0)
    submit = next(button for button in app.button if button.label == "Check my answers")
    submit.click().run()
    assert not app.exception
    score = next(metric for metric in app.metric if metric.label == "Your score")
    assert " of " in score.value
    explanations = [caption.value for caption in app.caption]
    options = sum(len(radio.options) for radio in quiz_radios)
    assert len(explanations) >= options


def test_marking_read_moves_the_progress() -> None:
    app = open_page(PAGE)
    app.button(key="learn.mark_read.what-is-fine-tuning").click().run()
    assert not app.exception
    assert "1 of 11" in app.get("progress")[0].proto.text


def test_polish_lessons_and_quiz() -> None:
    app = open_page(PAGE, "pl")
    assert app.title[0].value == "Naucz się fine-tuningu"
    assert any(button.label == "Sprawdź odpowiedzi" for button in app.button)


def test_a_rerun_keeps_the_order_and_try_again_reshuffles() -> None:
    app = open_page(PAGE)
    app.session_state[SEED_KEY] = 0
    app.run()
    quiz = load_lessons("en")[0].quiz
    expected = [[quiz[n].options[i].text for i in order] for n, order in enumerate(option_orders(quiz, 0))]
    assert _shown_order(app) == expected
    app.run()
    assert _shown_order(app) == expected
    for radio in _quiz_radios(app):
        radio.set_value(0)
    _submit(app)
    assert any(metric.label == "Your score" for metric in app.metric)
    app.button(key=f"learn.try_again.en.{FIRST}").click().run()
    assert not app.exception
    assert not any(metric.label == "Your score" for metric in app.metric)
    assert all(radio.value is None for radio in _quiz_radios(app))
    reshuffled = [[quiz[n].options[i].text for i in order] for n, order in enumerate(option_orders(quiz, 1))]
    assert reshuffled != expected and _shown_order(app) == reshuffled


def test_blank_questions_are_named_before_they_are_scored() -> None:
    app = open_page(PAGE)
    radios = _quiz_radios(app)
    radios[0].set_value(0)
    _submit(app)
    numbers = ", ".join(str(number) for number in range(2, len(radios) + 1))
    assert app.warning and f"Questions {numbers} have no answer yet" in app.warning[0].value
    assert not any(metric.label == "Your score" for metric in app.metric)
    _submit(app)
    score = next(metric for metric in app.metric if metric.label == "Your score")
    assert score.value.endswith(f"of {len(radios)}")
    assert not app.warning


def test_mark_as_read_is_gone_once_the_quiz_counted_the_lesson() -> None:
    app = open_page(PAGE)
    assert any(button.key == f"learn.mark_read.{FIRST}" for button in app.button)
    for radio in _quiz_radios(app):
        radio.set_value(0)
    _submit(app)
    assert not any(button.key == f"learn.mark_read.{FIRST}" for button in app.button)
    assert "1 of 11" in app.get("progress")[0].proto.text
    assert app.selectbox(key="learn.lesson").format_func(FIRST).startswith("✓ ")
