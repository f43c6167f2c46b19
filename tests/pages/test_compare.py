"""Compare page, driven through the real router with this session's own sandbox (jobs trained at "instant"):
- without a fine-tuned model the page says where to get one and stops;
- the playground sends the same message to both models and shows both answers as text, side by side,
  with token usage, latency and cost; "clear both" empties both conversations; a checkpoint can be asked too;
- a model the service does not know gives a clear "not found" message, and the message typed is kept;
  in an evaluation its failed calls are counted and explained, and the verdict says only the other answered;
- prices come from the catalog and can be changed; a missing price shows as "price unknown", never a guess;
- the evaluation shows the estimated cost first and starts only after confirming; it advances one example
  per run with a progress bar, then says which model is better and why, with a table, charts and a CSV;
- a cancel takes effect between examples and the results cover the examples done;
- an uploaded validation file is read, and lines without a reply to compare against are skipped with a reason;
- the last three checkpoints of a job are compared the same way;
- the optional judge shows its rubric and cost first; in the sandbox it gives no scores and says so;
- on an Azure connection the fine-tuned model can be named by its deployment;
- everything above reads in Polish too.
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from finetune_guide.providers import ProviderSettings, build_client
from finetune_guide.sandbox import SandboxService
from tests.site import ROOT

PAGE = "app_pages/compare.py"
QUESTIONS = [(f"What is the capital of country {i}?", json.dumps({"capital": f"City{i}"})) for i in range(12)]


def jsonl(rows: list[tuple[str, str]]) -> bytes:
    lines = [
        json.dumps(
            {
                "messages": [
                    {"role": "system", "content": "Answer in JSON."},
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": answer},
                ]
            }
        )
        for question, answer in rows
    ]
    return "\n".join(lines).encode()


@pytest.fixture(scope="module")
def trained() -> SandboxService:
    """A sandbox with one succeeded job (training and validation file) and its three checkpoints."""
    service = SandboxService(speed="instant")
    client = build_client(ProviderSettings(), sandbox=service)
    train = client.files.create(file=("train.jsonl", jsonl(QUESTIONS)), purpose="fine-tune")
    valid = client.files.create(file=("valid.jsonl", jsonl(QUESTIONS[:10])), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(
        model="gpt-4o-mini-2024-07-18", training_file=train.id, validation_file=valid.id
    )
    assert client.fine_tuning.jobs.retrieve(job.id).status == "succeeded"
    return service


def open_compare(service: SandboxService | None = None, lang: str = "en", **state: object) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params["lang"] = lang
    if service is not None:
        app.session_state["connection.sandbox"] = service
    for key, value in state.items():
        app.session_state[key] = value
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def send(app: AppTest, message: str) -> AppTest:
    app.chat_input(key="compare.play.input").set_value(message).run()
    assert not app.exception, app.exception
    return app


def texts(app: AppTest) -> list[str]:
    return [element.value for element in app.text]


def captions(app: AppTest) -> str:
    return "\n".join(element.value for element in app.caption)


def table(app: AppTest, column: str) -> object:
    """The first table on the page with this column (the estimate has "Calls", the results "Errors")."""
    return next(frame.value for frame in app.dataframe if column in frame.value.columns)


def confirm(app: AppTest) -> None:
    (box,) = [c for c in app.checkbox if str(c.key).startswith("compare.eval.confirm.")]
    box.check().run()


def run_evaluation(app: AppTest, *, examples: int | None = None, max_runs: int = 40) -> AppTest:
    if examples is not None:
        app.number_input(key="compare.eval.n").set_value(examples).run()
    assert app.button(key="compare.eval.start").disabled, "the run must wait for the confirmation"
    confirm(app)
    app.button(key="compare.eval.start").click().run()
    for _ in range(max_runs):
        # Each script run advances the run by one example, as each tick of the page's fragment does.
        if app.session_state["compare.run"].finished:
            break
        app.run()
    assert not app.exception, app.exception
    return app


def test_without_a_fine_tuned_model_the_page_points_to_the_jobs_page() -> None:
    app = open_compare(SandboxService(speed="instant"))
    assert any("no succeeded fine-tuning job" in info.value for info in app.info)
    assert not app.tabs


@pytest.mark.parametrize(("lang", "usage"), [("en", "in →"), ("pl", "na wejściu →")], ids=["en", "pl"])
def test_playground_asks_both_models_and_shows_answers_with_usage_latency_and_cost(
    trained: SandboxService, lang: str, usage: str
) -> None:
    app = send(open_compare(trained, lang), "What is the capital of country 3?")
    shown = texts(app)
    assert shown.count("What is the capital of country 3?") == 2
    assert '[simulated] {"capital": "City3"}' in shown
    assert any(text.startswith("[simulated] This is gpt-4o-mini") for text in shown)
    usage_lines = [c.value for c in app.caption if usage in c.value]
    assert len(usage_lines) == 2 and all(" ms · " in line for line in usage_lines)
    assert all(("$" in line) or ("USD" in line) for line in usage_lines)


def test_each_side_keeps_its_own_conversation_and_clear_empties_both(trained: SandboxService) -> None:
    app = send(send(open_compare(trained), "What is the capital of country 1?"), "And country 2?")
    history = app.session_state["compare.history"]
    assert [len(history[side]) for side in ("tuned", "base")] == [4, 4]
    assert history["tuned"][1]["content"] != history["base"][1]["content"]
    app.button(key="compare.play.clear").click().run()
    assert app.session_state["compare.history"] == {"tuned": [], "base": []}
    assert texts(app) == []


def test_a_checkpoint_can_be_asked_in_the_playground(trained: SandboxService) -> None:
    app = open_compare(trained)
    app.radio(key="compare.source").set_value("checkpoint").run()
    checkpoint = app.selectbox(key="compare.checkpoint").value
    assert ":ckpt-step-" in checkpoint
    send(app, "What is the capital of country 5?")
    assert checkpoint in [code.value for code in app.code]
    assert '[simulated] {"capital": "City5"}' in texts(app)


def test_an_unknown_model_gives_a_clear_message_and_keeps_what_was_typed(trained: SandboxService) -> None:
    app = open_compare(trained)
    app.radio(key="compare.source").set_value("typed").run()
    app.text_input(key="compare.typed").input("ft:gpt-4o-mini-2024-07-18:nobody::missing").run()
    send(app, "Hello?")
    assert any("Model not found (404)" in error.value for error in app.error)
    assert "Hello?" in texts(app)


def test_an_evaluation_with_a_failing_model_explains_the_failures(trained: SandboxService) -> None:
    app = open_compare(trained)
    app.radio(key="compare.source").set_value("typed").run()
    app.text_input(key="compare.typed").input("ft:gpt-4o-mini-2024-07-18:nobody::missing").run()
    app.radio(key="compare.file.source").set_value("upload").run()
    app.get("file_uploader")[0].set_value(("v.jsonl", jsonl(QUESTIONS[:2]), "application/json")).run()
    run_evaluation(app)
    assert any("Fine-tuned model: failed calls: 2. **Model not found (404)**" in w.value for w in app.warning)
    assert any(w.value.startswith("Only the base model answered") for w in app.warning)
    assert not app.success


def test_a_base_model_the_catalog_does_not_price_is_flagged(trained: SandboxService) -> None:
    app = open_compare(trained)
    app.radio(key="compare.source").set_value("typed").run()
    app.text_input(key="compare.typed").input("ft:my-own-base:org::abc").run()
    assert app.text_input(key="compare.base").value == "my-own-base"
    assert any("no price for this base model" in w.value for w in app.warning)


def test_a_price_left_empty_shows_as_unknown(trained: SandboxService) -> None:
    app = open_compare(trained)
    for name in ("tuned.input", "tuned.output"):
        app.number_input(key=f"compare.price.{name}").set_value(None)
    app.run()
    send(app, "What is the capital of country 3?")
    usage_lines = [c.value for c in app.caption if " ms · " in c.value]
    assert usage_lines[0].endswith("price unknown") and "$" in usage_lines[1]


def test_evaluation_shows_the_cost_first_then_runs_and_says_which_model_is_better(
    trained: SandboxService,
) -> None:
    app = open_compare(trained)
    estimate = table(app, "Calls")
    assert list(estimate["Calls"]) == [10, 10] and all(str(cost).startswith("$") for cost in estimate["Cost"])
    assert any("20 calls" in md.value for md in app.markdown)
    run_evaluation(app, examples=6)
    run = app.session_state["compare.run"]
    assert (run.status, run.done_count) == ("done", 6)
    (verdict,) = app.success
    assert verdict.value.startswith("**The fine-tuned model is better** than the base model on 6 examples:")
    assert "F1 1.00 vs 0.0" in verdict.value and "format valid 6/6 vs 0/6" in verdict.value
    assert "Only 6 examples" in captions(app)
    summary = table(app, "Errors")
    assert list(summary["Who"]) == ["Fine-tuned model", "Base model"]
    assert len(app.get("plotly_chart")) == 2
    assert app.get("download_button")


def test_a_cancel_takes_effect_between_examples(trained: SandboxService) -> None:
    app = open_compare(trained)
    confirm(app)
    app.button(key="compare.eval.start").click().run()
    assert app.session_state["compare.run"].done_count == 1
    assert app.get("progress")
    app.button(key="compare.eval.cancel").click().run()
    run = app.session_state["compare.run"]
    assert (run.status, run.done_count) == ("cancelled", 1)
    assert any("Cancelled after 1 of 10 examples" in w.value for w in app.warning)
    assert app.success  # the verdict covers the one example done


def test_an_uploaded_file_is_read_and_lines_without_a_reply_are_skipped(trained: SandboxService) -> None:
    app = open_compare(trained)
    app.radio(key="compare.file.source").set_value("upload").run()
    rft_line = json.dumps({"messages": [{"role": "user", "content": "Solve it"}]}).encode()
    data = jsonl(QUESTIONS[:3]) + b"\n" + rft_line + b"\nnot json\n"
    app.get("file_uploader")[0].set_value(("mine.jsonl", data, "application/json")).run()
    assert not app.exception, app.exception
    assert "mine\\.jsonl: 3 examples to compare, 2 lines skipped." in captions(app)
    assert "no assistant reply" in captions(app)
    run_evaluation(app)
    assert app.session_state["compare.run"].total == 3


def test_the_last_three_checkpoints_of_a_job_are_compared_the_same_way(trained: SandboxService) -> None:
    app = open_compare(trained)
    app.radio(key="compare.eval.mode").set_value("checkpoints").run()
    run_evaluation(app, examples=2)
    run = app.session_state["compare.run"]
    assert [c.role for c in run.contenders] == ["checkpoint"] * 3
    steps = [c.step for c in run.contenders]
    assert steps == sorted(steps) and len(set(steps)) == 3
    # In the sandbox every checkpoint answers from the same examples, so none is clearly better.
    assert any("No clear winner" in info.value for info in app.info)


def test_judge_shows_rubric_and_cost_first_and_in_the_sandbox_gives_no_scores(
    trained: SandboxService,
) -> None:
    app = open_compare(trained)
    app.toggle(key="compare.judge.enable").set_value(True).run()
    assert app.text_area(key="compare.judge.rubric").value.startswith("You are grading")
    estimate = table(app, "Calls")
    assert list(estimate["Who"]) == ["Fine-tuned model", "Base model", "Judge"]
    assert list(estimate["Calls"]) == [10, 10, 20]
    run_evaluation(app, examples=2)
    assert "The judge gave no readable score for 4 answers" in captions(app)


def test_on_azure_the_fine_tuned_model_is_named_by_its_deployment() -> None:
    azure = ProviderSettings(kind="azure", api_key="k" * 32, azure_endpoint="https://example.invalid/")
    app = open_compare(**{"connection.settings": azure})
    assert app.radio(key="compare.source").value == "deployment"
    app.text_input(key="compare.deployment").input("my-tuned").run()
    app.text_input(key="compare.base").input("gpt-4o-mini").run()
    assert not app.exception, app.exception
    assert app.tabs  # both deployments named: the playground and evaluation are ready (nothing is sent yet)


def test_evaluation_in_polish_reads_as_polish(trained: SandboxService) -> None:
    app = run_evaluation(open_compare(trained, "pl"), examples=6)
    (verdict,) = app.success
    assert verdict.value.startswith("**Model dostrojony jest lepszy** niż model bazowy na 6 przykładach:")
    assert "F1 1,00 wobec 0,0" in verdict.value
    assert "Mała próba (6 przykładów)" in captions(app)
    assert list(table(app, "Błędy")["Kto"]) == [
        "Model dostrojony",
        "Model bazowy",
    ]
