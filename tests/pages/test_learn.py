"""Learn page:
- lists the eleven lessons and opens the first by default;
- ?lesson=<id> opens that lesson (a shared link);
- an unknown ?lesson= falls back to the first lesson without an error;
- submitting the knowledge check shows a score and an explanation for every option;
- marking a lesson read updates the progress bar; progress downloads as CSV and JSON;
- works in Polish.
"""

from tests.pages.conftest import open_page

PAGE = "app_pages/learn.py"


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
