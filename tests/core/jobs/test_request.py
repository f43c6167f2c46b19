"""jobs.request: the rules of a create call and its keyword arguments."""

from __future__ import annotations

from finetune_guide import jobs


def test_azure_suffix_rules_are_stricter_than_openai() -> None:
    request = jobs.JobRequest(model="m", training_file="f", suffix="my.support-model-2026")
    assert {i.code for i in jobs.check_job_request(request, "openai")} == set()
    assert {i.code for i in jobs.check_job_request(request, "azure")} == {"suffix_too_long", "suffix_dot"}
    too_long = jobs.JobRequest(model="m", training_file="f", suffix="x" * 65)
    assert [i.code for i in jobs.check_job_request(too_long, "openai")] == ["suffix_too_long"]


def test_out_of_range_hyperparameters_are_reported() -> None:
    request = jobs.JobRequest(
        model="",
        training_file="",
        method="dpo",
        n_epochs=0,
        batch_size=300,
        learning_rate_multiplier=0,
        beta=3,
        seed=-1,
    )
    codes = {i.code for i in jobs.check_job_request(request, "sandbox")}
    assert codes == {
        "no_model",
        "no_training_file",
        "epochs_range",
        "batch_range",
        "lr_range",
        "beta_range",
        "seed_range",
    }


def test_create_params_put_hyperparameters_under_the_method_and_the_tier_in_extra_body() -> None:
    request = jobs.JobRequest(
        model="gpt-4.1-mini-2025-04-14",
        training_file="file-1",
        validation_file="file-2",
        method="dpo",
        n_epochs=2,
        beta=0.1,
        suffix="s",
        seed=7,
        training_type="GlobalStandard",
    )
    params = jobs.create_params(request, "azure")
    assert params["method"] == {"type": "dpo", "dpo": {"hyperparameters": {"n_epochs": 2, "beta": 0.1}}}
    assert params["extra_body"] == {"trainingType": "GlobalStandard"}
    assert "extra_body" not in jobs.create_params(request, "openai")
