"""Cost calculator page:
- opens in English and Polish with four metric cards (training, inference, hosting, first year);
- by hand: examples × average tokens, auto epochs shown with the rule's result and why;
- epochs set by hand change the training cost;
- a shared link restores the same estimate (Azure example: 1M tokens × 2 epochs at $2 = $4, $1.70 × 720 h);
- a link with bad values keeps the defaults for them and says which were left out;
- a price override from the link changes the estimate, and Reset goes back to the catalog;
- a malformed override is reported and ignored;
- the break-even against the base model with a few-shot prompt is stated (or that there is none);
- figures that are not verified are flagged on the page;
- Azure Developer deployments warn about removal after 24 hours; RFT asks for hours;
- a dataset from the Dataset studio is used when there is one;
- the comparison table lists every fine-tunable model with its availability;
- every input is written to the address bar, and CSV and Markdown exports are offered.
"""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from finetune_guide.catalog import load_catalog
from finetune_guide.ui.markdown import literal
from finetune_guide.ui.state import DATASETS, CurrentDataset
from tests.pages.conftest import open_page
from tests.site import ROOT

PAGE = "app_pages/calculator.py"


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def test_opens_in_english_with_four_cards() -> None:
    app = open_page(PAGE)
    assert not app.exception
    assert list(metrics(app)) == ["Training", "Inference per month", "Hosting per month", "First year"]


def test_opens_in_polish() -> None:
    app = open_page(PAGE, "pl")
    assert not app.exception
    assert app.title[0].value == "Kalkulator kosztów"
    assert "Trening" in metrics(app)
    assert metrics(app)["Trening"].endswith("USD")


def test_by_hand_default_uses_auto_epochs_and_explains_the_rule() -> None:
    app = open_page(PAGE)
    # 100 examples × 500 tokens × 3 epochs at $3.00 per 1M tokens.
    assert metrics(app)["Training"] == "$0.45"
    assert any("100 examples × 3 = 300" in info.value for info in app.info)


def test_setting_epochs_by_hand_changes_the_cost() -> None:
    app = open_page(PAGE)
    app.toggle(key="calculator.epochs_auto").set_value(False).run()
    app.number_input(key="calculator.epochs").set_value(6).run()
    assert not app.exception
    assert metrics(app)["Training"] == "$0.90"


def test_a_shared_link_restores_the_azure_example() -> None:
    app = open_page(
        PAGE,
        provider="azure",
        model="gpt-4.1-2025-04-14",
        tier="global",
        deployment="standard",
        source="total",
        total_tokens="1000000",
        epochs="2",
    )
    assert not app.exception
    assert metrics(app)["Training"] == "$4.00"
    assert metrics(app)["Hosting per month"] == "$1,224"
    assert any("restored" in info.value for info in app.info)


def test_a_link_with_bad_values_keeps_defaults_and_names_them() -> None:
    app = open_page(PAGE, examples="-5", avg_tokens="nan", epochs="999", provider="gcp", months="1e40")
    assert not app.exception
    warning = " ".join(w.value for w in app.warning)
    for name in ("examples", "average tokens", "epochs", "provider", "months"):
        assert name in warning
    assert metrics(app)["Training"] == "$0.45"


def test_a_price_override_from_the_link_applies_and_reset_restores_the_catalog() -> None:
    app = open_page(PAGE, overrides="training=1.5")
    assert metrics(app)["Training"] == "$0.23"  # 150,000 billed tokens at $1.50 per 1M = $0.225
    app.button(key="calculator.reset_prices").click().run()
    assert metrics(app)["Training"] == "$0.45"
    assert "overrides" not in app.query_params


def test_a_malformed_override_is_reported_and_ignored() -> None:
    app = open_page(PAGE, overrides="training=cheap")
    assert not app.exception
    assert any("price overrides" in w.value for w in app.warning)
    assert metrics(app)["Training"] == "$0.45"


def test_break_even_is_stated_or_its_absence_explained() -> None:
    app = open_page(PAGE)
    assert any("pays for itself after" in c.value for c in app.caption)
    app = open_page(PAGE, provider="azure", model="gpt-4.1-2025-04-14", tier="global", deployment="standard")
    assert any("does not pay for itself" in c.value for c in app.caption)


def test_unverified_figures_are_flagged() -> None:
    app = open_page(PAGE)
    assert any("Not verified" in w.value for w in app.warning)


def test_azure_developer_deployment_warns_about_24_hours() -> None:
    app = open_page(PAGE, provider="azure", model="gpt-4.1-mini-2025-04-14", tier="developer", deployment="developer")
    assert metrics(app)["Hosting per month"] == "$0.00"
    assert any("24 hours" in w.value for w in app.warning)


def test_rft_is_priced_by_the_hour() -> None:
    app = open_page(PAGE, provider="azure", model="o4-mini-2025-04-16", method="rft", rft_hours="4")
    assert not app.exception
    assert metrics(app)["Training"] == "$400"
    assert app.number_input(key="calculator.rft_hours").value == 4.0


def test_a_studio_dataset_is_used_when_there_is_one() -> None:
    example = {
        "messages": [
            {"role": "user", "content": "What is the capital of France?"},
            {"role": "assistant", "content": "Paris."},
        ]
    }
    data = ("\n".join(json.dumps(example) for _ in range(20)) + "\n").encode()
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params["lang"] = "en"
    app.run()
    app.session_state[DATASETS] = {
        "train": CurrentDataset("capitals.jsonl", data, "0" * 64, "gpt-4o-mini-2024-07-18", "supervised")
    }
    app.switch_page(PAGE).run()
    assert not app.exception
    assert app.radio(key="calculator.source").value == "studio"
    assert any(literal("capitals.jsonl") in c.value for c in app.caption)
    assert any("20 examples" in c.value for c in app.caption)
    assert app.query_params["source"] == "total"  # the link carries counts, never the data


def test_the_comparison_table_lists_every_model_with_availability() -> None:
    app = open_page(PAGE)
    table = app.dataframe[-1].value
    assert len(table) == len(load_catalog().models)
    assert table["Availability"].str.contains("existing customers only, until 2027-01-06").any()


def test_every_input_is_in_the_address_bar_and_exports_are_offered() -> None:
    app = open_page(PAGE)
    for name in (
        "source",
        "examples",
        "avg_tokens",
        "provider",
        "model",
        "method",
        "epochs",
        "requests_per_day",
    ):
        assert name in app.query_params, name
    labels = [b.label for b in app.get("download_button")]
    assert labels == ["Download CSV", "Download Markdown"]
