"""The "Should I fine-tune?" logic: scenarios in both languages, the data contract, sharing, robustness."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from finetune_guide import decision, i18n
from finetune_guide.decision import DEFAULT_GUIDE_PATH, Recommendation, recommend

GUIDE = decision.default_guide()
TODAY = date(2026, 11, 28)
STRINGS = {lang: i18n.load_strings(lang) for lang in i18n.LANGUAGES}
TRAINING = {"sft", "dpo", "rft", "rag_and_ft"}

# A team ready for supervised fine-tuning: 200 examples of consistent JSON output, a measured prompt
# baseline, a held-out set and an approved budget on Azure, where it already fine-tunes (Azure takes existing
# fine-tuning customers only). Each scenario changes a few answers.
READY = {
    "problem": "format",
    "knowledge": "no",
    "tried": "prompt",
    "baseline": "measured",
    "evaluation": "holdout",
    "data": "some",
    "data_kind": "demonstrations",
    "history": "azure",
    "provider": "azure",
    "budget": "approved",
}


@dataclass(frozen=True)
class Scenario:
    name: str
    changes: dict[str, str]
    outcome: str
    reasons: set[str] = field(default_factory=set)
    blockers: set[str] = field(default_factory=set)
    advice: set[str] = field(default_factory=set)
    steps: set[str] = field(default_factory=set)
    today: date = TODAY

    def answers(self) -> dict[str, str]:
        return {**READY, **self.changes}


SCENARIOS = [
    Scenario("wants new knowledge -> RAG", {"problem": "knowledge", "knowledge": "yes"}, "rag", {"knowledge_gap"}),
    Scenario(
        "knowledge gap without a baseline is still RAG, not 'not ready'",
        {"problem": "knowledge", "tried": "nothing", "baseline": "none", "data": "none"},
        "rag",
        {"knowledge_gap"},
    ),
    Scenario(
        "consistent JSON, 200 examples, measured baseline -> SFT",
        {},
        "sft",
        {"behaviour_gap"},
        steps={"preparing_data", "studio", "calculator", "jobs", "compare"},
        advice={"azure_tiers"},
    ),
    Scenario("no baseline -> not ready", {"baseline": "none"}, "not_ready", {"blockers_first"}, {"no_baseline"}),
    Scenario(
        "a baseline judged by eye -> not ready",
        {"baseline": "anecdotal"},
        "not_ready",
        blockers={"baseline_unmeasured"},
        steps={"evaluating"},
    ),
    Scenario(
        "nothing tried -> prompt first",
        {"tried": "nothing", "baseline": "none"},
        "prompt_first",
        {"nothing_tried"},
    ),
    Scenario(
        "preference pairs after SFT -> DPO",
        {"problem": "style", "tried": "fine_tuned", "data_kind": "preferences"},
        "dpo",
        {"preferences_after_sft"},
        advice={"dpo_where"},
        steps={"dpo_rft"},
    ),
    Scenario(
        "preference pairs without an SFT model -> SFT first, then DPO",
        {"problem": "style", "data_kind": "preferences"},
        "sft",
        {"then_dpo"},
        advice={"dpo_where"},
    ),
    Scenario(
        "gradable reasoning task -> RFT",
        {"problem": "reasoning", "evaluation": "grader", "data_kind": "gradable"},
        "rft",
        {"gradable_task"},
        advice={"rft_where"},
        steps={"dpo_rft", "what_it_costs"},
    ),
    Scenario(
        "reasoning task with no grader -> SFT, and says RFT needs one",
        {"problem": "reasoning"},
        "sft",
        {"rft_needs_grader"},
    ),
    # Was "train on Azure or an open model" with Azure's tiers: Azure now refuses a new customer (issue 17).
    Scenario(
        "new OpenAI organisation with no Azure history -> an open model in the Local lab, not Azure's tiers",
        {"provider": "openai_new", "history": "none"},
        "sft",
        advice={"openai_closed", "azure_new", "open_models"},
        steps={"landscape", "open_model_lora", "jobs"},
    ),
    Scenario(
        "new to OpenAI but an existing Azure customer -> Azure's tiers still apply",
        {"provider": "openai_new"},
        "sft",
        advice={"openai_closed", "azure_tiers", "open_models"},
        steps={"landscape"},
    ),
    # Was Azure's tiers: an OpenAI customer without an Azure history cannot move to Azure's gpt-4.1 or gpt-4o.
    Scenario(
        "active OpenAI organisation may train until 2027-01-06",
        {"provider": "openai_active", "history": "openai"},
        "sft",
        advice={"openai_active", "azure_new", "open_models"},
    ),
    Scenario(
        "active OpenAI organisation after 2027-01-06 is told jobs have ended",
        {"provider": "openai_active", "history": "both"},
        "sft",
        advice={"openai_ended", "azure_tiers"},
        today=date(2027, 2, 1),
    ),
    Scenario(
        "Azure chosen without an Azure history -> what a new subscription may train, and open models",
        {"history": "none"},
        "sft",
        advice={"azure_new", "open_models"},
        steps={"open_model_lora", "jobs"},
    ),
    Scenario(
        "knowledge and format -> RAG and fine-tuning",
        {"knowledge": "yes"},
        "rag_and_ft",
        {"knowledge_and_behaviour"},
    ),
    Scenario(
        "tiny data -> not ready, collect data",
        {"data": "few"},
        "not_ready",
        blockers={"too_little_data"},
        steps={"preparing_data", "studio"},
    ),
    Scenario("no data -> not ready", {"data": "none"}, "not_ready", blockers={"no_data"}),
    Scenario(
        "documents are not training examples -> not ready, use them for retrieval",
        {"data_kind": "documents"},
        "not_ready",
        {"documents_for_retrieval"},
        {"documents_not_examples"},
    ),
    Scenario(
        "cost-only motivation with a baseline judged by eye -> prompt first",
        {"problem": "cost", "baseline": "anecdotal"},
        "prompt_first",
        {"cost_only"},
    ),
    Scenario(
        "cost motivation, nothing tried -> prompt first",
        {"problem": "cost", "tried": "nothing"},
        "prompt_first",
    ),
    Scenario(
        "cost motivation and everything ready -> SFT as distillation",
        {"problem": "cost"},
        "sft",
        {"distillation"},
    ),
    Scenario(
        "'make it better' -> not ready, no use case",
        {"problem": "general"},
        "not_ready",
        blockers={"no_use_case"},
    ),
    Scenario("no evaluation plan -> not ready", {"evaluation": "none"}, "not_ready", blockers={"no_evaluation"}),
    Scenario(
        "no budget -> not ready",
        {"budget": "none"},
        "not_ready",
        blockers={"no_budget"},
        steps={"calculator"},
    ),
    Scenario(
        "tool calling -> SFT with the function-calling lesson",
        {"problem": "tools"},
        "sft",
        {"tool_use"},
        steps={"function_calling"},
    ),
    Scenario(
        "logs that need cleaning -> SFT, format them in the studio first",
        {"data_kind": "unformatted", "data": "many"},
        "sft",
        {"needs_formatting"},
    ),
    Scenario("open models -> open-model advice only", {"provider": "open_models"}, "sft", advice={"open_models"}),
    # The OpenAI status is for an organisation with an OpenAI history; without one OpenAI is simply closed.
    Scenario(
        "undecided provider -> the OpenAI status, Azure and open models",
        {"provider": "undecided", "history": "both"},
        "sft",
        advice={"openai_status", "azure_tiers", "open_models"},
    ),
    Scenario(
        "undecided provider, Azure history only -> OpenAI is closed, Azure's tiers and open models",
        {"provider": "undecided"},
        "sft",
        advice={"openai_closed", "azure_tiers", "open_models"},
    ),
]


def strict_text(lang: str) -> decision.Translate:
    """A translator that fails on a missing key or a placeholder left unfilled."""
    strings = STRINGS[lang]

    def text(key: str, **values: object) -> str:
        assert key in strings, f"{lang}: no text for {key}"
        filled = strings[key].format(**values)
        assert not re.search(r"\{[a-z_0-9]+\}", filled), f"{lang}: unfilled placeholder in {key}"
        return filled

    return text


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_gives_the_expected_recommendation(scenario: Scenario) -> None:
    result = recommend(scenario.answers(), GUIDE, today=scenario.today)
    assert result.outcome == scenario.outcome
    assert scenario.reasons <= set(result.reasons)
    assert scenario.blockers <= set(result.blockers)
    assert scenario.advice <= {item.code for item in result.provider_advice}
    assert scenario.steps <= {step.code for step in result.next_steps}
    assert result.missing == ()


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_scenario_explains_itself_in_both_languages(scenario: Scenario, lang: str) -> None:
    result = recommend(scenario.answers(), GUIDE, today=scenario.today)
    summary = decision.summary_markdown(result, strict_text(lang), "https://example.test/decide?a=x")
    assert STRINGS[lang][f"decide.outcome.{result.outcome}.title"] in summary
    assert "https://example.test/decide?a=x" in summary


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_the_summary_is_different_in_english_and_polish(scenario: Scenario) -> None:
    result = recommend(scenario.answers(), GUIDE, today=scenario.today)
    english, polish = (decision.summary_markdown(result, strict_text(lang)) for lang in i18n.LANGUAGES)
    assert english != polish


def test_scenarios_cover_every_outcome() -> None:
    assert {s.outcome for s in SCENARIOS} == set(decision.OUTCOMES)


def test_training_is_never_recommended_with_a_blocker() -> None:
    for scenario in SCENARIOS:
        result = recommend(scenario.answers(), GUIDE, today=TODAY)
        if result.outcome in TRAINING:
            assert result.blockers == (), scenario.name


def test_not_ready_always_names_what_is_missing() -> None:
    for scenario in SCENARIOS:
        result = recommend(scenario.answers(), GUIDE, today=TODAY)
        if result.outcome == "not_ready":
            assert result.blockers, scenario.name


def test_scores_record_the_answers_that_drove_them() -> None:
    result = recommend(READY, GUIDE, today=TODAY)
    assert {item.dimension for item in result.scores} == set(decision.DIMENSIONS)
    assert result.score("use_case") == 100
    baseline = next(item for item in result.scores if item.dimension == "baseline")
    assert {(d.question, d.answer) for d in baseline.drivers} == {
        ("tried", "prompt"),
        ("baseline", "measured"),
    }
    assert baseline.score == sum(d.points for d in baseline.drivers)


def test_scores_are_clamped_to_0_to_100() -> None:
    result = recommend({**READY, "data": "none", "data_kind": "documents"}, GUIDE, today=TODAY)
    assert result.score("data") == 0
    result = recommend({**READY, "data": "many", "data_kind": "demonstrations"}, GUIDE, today=TODAY)
    assert result.score("data") == 100


def test_empty_answers_are_not_ready_with_every_question_missing() -> None:
    result = recommend({}, GUIDE, today=TODAY)
    assert result.outcome == "not_ready"
    assert result.blockers[0] == "unanswered"
    assert result.missing == tuple(q.id for q in GUIDE.questions)
    assert all(item.score == 0 for item in result.scores)


def test_unknown_questions_and_answers_are_ignored() -> None:
    result = recommend({**READY, "colour": "blue", "budget": "infinite"}, GUIDE, today=TODAY)
    assert result.missing == ("budget",)
    assert ("colour", "blue") not in result.answers


def test_next_steps_point_at_known_lessons_and_pages_without_repeats() -> None:
    for scenario in SCENARIOS:
        steps = recommend(scenario.answers(), GUIDE, today=TODAY).next_steps
        assert len({s.code for s in steps}) == len(steps)
        for step in steps:
            known = decision.LESSON_IDS if step.kind == "lesson" else decision.PAGE_PATHS
            assert step.target in known


def test_blocker_steps_come_before_the_outcome_steps() -> None:
    steps = [s.code for s in recommend({**READY, "budget": "none"}, GUIDE, today=TODAY).next_steps]
    assert steps[:2] == ["what_it_costs", "calculator"]


# --- the data's contract ----------------------------------------------------------------------------------


def test_the_shipped_guide_has_eight_to_ten_questions_each_with_choices() -> None:
    assert 8 <= len(GUIDE.questions) <= 10
    assert all(len(q.answers) >= 2 for q in GUIDE.questions)


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_question_and_answer_has_text(lang: str) -> None:
    text = strict_text(lang)
    for question in GUIDE.questions:
        for part in ("title", "short", "help"):
            text(f"decide.q.{question.id}.{part}")
        for answer in question.answers:
            text(f"decide.q.{question.id}.a.{answer.id}")


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_code_the_rules_can_give_has_text(lang: str) -> None:
    text = strict_text(lang)
    names = ("end", "models", "new", "inactive", "gpt4o", "gpt41", "o4mini", "retired")
    dates = {name: "2027-01-06" for name in names}
    for outcome in decision.OUTCOMES:
        text(f"decide.outcome.{outcome}.title")
        text(f"decide.outcome.{outcome}.summary")
    for code in decision.REASONS:
        text(f"decide.reason.{code}")
    for code in decision.BLOCKERS:
        text(f"decide.blocker.{code}")
    for code in GUIDE.steps:
        text(f"decide.step.{code}")
    for dimension in decision.DIMENSIONS:
        text(f"decide.dim.{dimension}")
    for code in decision.ADVICE:
        text(f"decide.provider.{code}", **dates)


def test_every_step_in_the_data_is_used() -> None:
    used = {code for codes in GUIDE.outcome_steps.values() for code in codes}
    used |= {code for codes in GUIDE.blocker_steps.values() for code in codes}
    used |= {code for codes in GUIDE.signal_steps.values() for code in codes}
    assert used == set(GUIDE.steps)


def test_provider_dates_are_the_2026_timeline() -> None:
    dates = GUIDE.providers
    assert dates.openai_new_orgs_closed == date(2026, 5, 7)
    assert dates.openai_jobs_end == date(2027, 1, 6)
    assert dates.sources


def _raw() -> dict[str, Any]:
    with DEFAULT_GUIDE_PATH.open(encoding="utf-8") as handle:
        raw: dict[str, Any] = yaml.safe_load(handle)
    return raw


@pytest.mark.parametrize(
    ("break_it", "message"),
    [
        (lambda raw: raw["questions"][0]["answers"][0]["effects"].update(charm=10), "unknown dimension"),
        (lambda raw: raw["questions"][0]["answers"][0]["signals"].append("vibes"), "unknown signals"),
        (lambda raw: raw["questions"][1].update(id="problem"), "question ids repeat"),
        (
            lambda raw: raw["questions"][0]["answers"].append(dict(raw["questions"][0]["answers"][0])),
            "repeat",
        ),
        (lambda raw: raw["questions"][0].update(answers=[raw["questions"][0]["answers"][0]]), "two answers"),
        (lambda raw: raw["questions"][0]["answers"][0]["effects"].update(use_case=500), "whole number"),
        (lambda raw: raw["steps"].update(studio={"page": "nowhere"}), "steps.studio"),
        (lambda raw: raw["steps"].update(studio={"lesson": "no-such-lesson"}), "steps.studio"),
        (lambda raw: raw["outcome_steps"]["sft"].append("teleport"), "unknown steps"),
        (lambda raw: raw["outcome_steps"].pop("rft"), "every outcome needs steps"),
        (lambda raw: raw["providers"].pop("openai_jobs_end"), "missing"),
        (lambda raw: raw["providers"].update(openai_jobs_end="soon"), "expected a date"),
        (lambda raw: raw.update(dimensions=["use_case"]), "dimensions"),
    ],
)
def test_a_broken_guide_fails_on_load_with_a_clear_message(break_it: Any, message: str) -> None:
    raw = _raw()
    break_it(raw)
    with pytest.raises(ValueError, match=message):
        decision.parse_guide(raw)


# --- sharing ----------------------------------------------------------------------------------------------


def test_a_shared_link_restores_the_same_recommendation() -> None:
    for scenario in SCENARIOS:
        encoded = decision.encode_answers(scenario.answers(), GUIDE)
        decoded = decision.decode_answers(encoded, GUIDE)
        assert decoded.ignored == 0
        assert decoded.answers == scenario.answers()
        again = recommend(decoded.answers, GUIDE, today=scenario.today)
        assert again == recommend(scenario.answers(), GUIDE, today=scenario.today)


def test_a_link_lists_answers_in_question_order() -> None:
    assert decision.encode_answers({"budget": "none", "problem": "style"}, GUIDE) == "problem:style,budget:none"


@pytest.mark.parametrize(
    ("raw", "answers", "ignored"),
    [
        ("", {}, 0),
        ("problem:style", {"problem": "style"}, 0),
        ("problem:style,problem:format", {"problem": "style"}, 1),
        ("problem:nonsense,colour:blue,justtext", {}, 3),
        (" problem : style , ,budget:none", {"problem": "style", "budget": "none"}, 0),
        ("<script>alert(1)</script>", {}, 1),
    ],
)
def test_bad_parts_of_a_link_are_counted_and_ignored(raw: str, answers: dict[str, str], ignored: int) -> None:
    decoded = decision.decode_answers(raw, GUIDE)
    assert decoded.answers == answers
    assert decoded.ignored == ignored


def test_a_very_long_link_is_cut_and_reported() -> None:
    decoded = decision.decode_answers("problem:style," + "x" * 5000, GUIDE)
    assert decoded.answers == {"problem": "style"}
    assert decoded.ignored >= 1


def test_first_unanswered_is_where_the_wizard_resumes() -> None:
    assert decision.first_unanswered({}, GUIDE) == 0
    assert decision.first_unanswered({"problem": "style", "tried": "prompt"}, GUIDE) == 1
    assert decision.first_unanswered(READY, GUIDE) == len(GUIDE.questions)


# --- robustness -------------------------------------------------------------------------------------------

complete_answers = st.fixed_dictionaries({q.id: st.sampled_from([a.id for a in q.answers]) for q in GUIDE.questions})


@settings(max_examples=300, deadline=None)
@given(complete_answers, st.dates(date(2026, 1, 1), date(2028, 1, 1)))
def test_any_complete_set_of_answers_gives_an_explained_result(answers: dict[str, str], today: date) -> None:
    result: Recommendation = recommend(answers, GUIDE, today=today)
    assert result.outcome in decision.OUTCOMES
    assert result.reasons and set(result.reasons) <= set(decision.REASONS)
    assert set(result.blockers) <= set(decision.BLOCKERS)
    assert {a.code for a in result.provider_advice} <= set(decision.ADVICE)
    assert result.next_steps and result.provider_advice
    assert all(0 <= item.score <= 100 for item in result.scores)
    if result.outcome in TRAINING:
        assert not result.blockers
    if answers["problem"] == "knowledge":
        assert result.outcome == "rag"
    for lang in i18n.LANGUAGES:
        decision.summary_markdown(result, strict_text(lang))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=20), st.text(max_size=20), max_size=12))
def test_arbitrary_answers_never_crash(answers: dict[str, str]) -> None:
    result = recommend(answers, GUIDE, today=TODAY)
    assert result.outcome in decision.OUTCOMES


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_link_text_never_crashes_and_keeps_only_valid_answers(raw: str) -> None:
    decoded = decision.decode_answers(raw, GUIDE)
    for question_id, answer_id in decoded.answers.items():
        question = GUIDE.question(question_id)
        assert question is not None and question.answer(answer_id) is not None


# --- new or existing customer (issue 17) -----------------------------------------------------------------

CLOSED_TO_NEWCOMERS = {"azure_tiers", "openai_active", "openai_status"}


@settings(max_examples=300, deadline=None)
@given(complete_answers, st.dates(date(2026, 6, 1), date(2027, 12, 31)))
def test_a_new_customer_is_never_recommended_a_closed_provider(answers: dict[str, str], today: date) -> None:
    for history in ("none", "unsure"):
        result = recommend({**answers, "history": history}, GUIDE, today=today)
        codes = {item.code for item in result.provider_advice}
        assert not codes & CLOSED_TO_NEWCOMERS, (history, answers, codes)
        assert "open_models" in codes or "azure_new" in codes
        assert "open_model_lora" in {step.code for step in result.next_steps}


@pytest.mark.parametrize("provider", ["azure", "openai_new", "undecided"])
def test_an_existing_azure_customer_can_still_be_sent_to_azure(provider: str) -> None:
    result = recommend({**READY, "provider": provider, "history": "azure"}, GUIDE, today=TODAY)
    advice = {item.code: item.params for item in result.provider_advice}
    assert "azure_tiers" in advice and "azure_new" not in advice
    assert advice["azure_tiers"] == {"gpt4o": "2027-04-01", "gpt41": "2027-04-14", "o4mini": "2027-04-16"}


def test_azure_never_scores_highest_for_a_new_customer() -> None:
    def access(history: str, provider: str) -> int:
        answers = {**READY, "history": history, "provider": provider}
        return recommend(answers, GUIDE, today=TODAY).score("budget_access")

    assert access("none", "azure") < access("none", "open_models")
    assert access("azure", "azure") >= access("azure", "open_models") - 20
    provider = GUIDE.question("provider")
    assert provider is not None
    new_scores = {answer.id: access("none", answer.id) for answer in provider.answers}
    assert max(new_scores, key=new_scores.__getitem__) != "azure"


def test_active_on_openai_without_an_openai_history_is_told_the_door_is_closed() -> None:
    result = recommend({**READY, "provider": "openai_active", "history": "none"}, GUIDE, today=TODAY)
    codes = {item.code for item in result.provider_advice}
    assert "openai_closed" in codes and "openai_active" not in codes


def test_the_azure_dates_match_the_catalog() -> None:
    from finetune_guide.catalog import load_catalog, resolve_model  # noqa: PLC0415

    book = load_catalog()
    dates = GUIDE.providers
    for alias, expected in (
        ("gpt-4o", dates.azure_training_gpt4o_until),
        ("gpt-4.1", dates.azure_training_gpt41_until),
        ("o4-mini", dates.azure_training_o4mini_until),
    ):
        figure = resolve_model(book, alias, "azure").training_retirement
        assert figure is not None and figure.value == expected, alias
    assert book.openai.new_jobs_until.value == dates.openai_jobs_end
