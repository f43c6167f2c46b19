"""evaluation.scoring: one answer scored against its case's reference."""

from __future__ import annotations

from finetune_guide import evaluation as ev
from tests.support.evaluation import tool_case


def test_a_tool_call_with_the_same_arguments_in_another_order_is_an_exact_match() -> None:
    case = tool_case()
    reply = ev.ModelReply("", (ev.ToolCall("get_weather", '{ "city" : "Oslo" }'),))
    outcome = ev.score_reply(case, reply, ev.Contender("m", "fine_tuned"))
    assert outcome.exact_match and outcome.f1 == 1.0 and outcome.format.ok
