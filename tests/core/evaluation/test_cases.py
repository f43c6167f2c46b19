"""evaluation.cases: held-out cases from chat, DPO and prompt/completion files."""

from __future__ import annotations

from finetune_guide import evaluation as ev
from tests.support.evaluation import chat_line, numbered, tool_case


def test_chat_example_becomes_prompt_and_reference_without_dataset_only_keys() -> None:
    found = ev.eval_cases(numbered([chat_line("Q?", "A.")]))
    (case,) = found.cases
    assert [m["role"] for m in case.messages] == ["system", "user"]
    assert case.reference == "A." and case.question == "Q?"
    assert all("weight" not in m for m in case.messages)


def test_prompt_completion_and_dpo_examples_are_read() -> None:
    dpo = {
        "input": {"messages": [{"role": "user", "content": "Hi"}]},
        "preferred_output": [{"role": "assistant", "content": "Hello!"}],
        "non_preferred_output": [{"role": "assistant", "content": "Go away."}],
    }
    found = ev.eval_cases(numbered([{"prompt": "2+2=", "completion": " 4"}, dpo]))
    assert [c.reference for c in found.cases] == ["4", "Hello!"]


def test_lines_without_a_reference_are_skipped_with_a_reason() -> None:
    rft = {"messages": [{"role": "user", "content": "Solve it"}], "answer": "42"}
    found = ev.eval_cases(numbered([rft, ["not", "an", "object"], {"text": "?"}]))
    assert found.cases == ()
    assert [(s.line, s.reason) for s in found.skipped] == [
        (1, "no_reference"),
        (2, "not_an_object"),
        (3, "unknown_format"),
    ]


def test_a_reference_that_calls_a_tool_is_compared_by_its_call() -> None:
    case = tool_case()
    assert case.reference_tool_calls == (ev.ToolCall("get_weather", '{"city": "Oslo"}'),)
    assert case.tools and case.reference_text == 'get_weather {"city": "Oslo"}'
