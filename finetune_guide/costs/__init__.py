"""Fine-tuning cost arithmetic: epochs, training, inference, hosting and break-even (pure, USD)."""

from finetune_guide.costs.breakeven import BreakEven, break_even
from finetune_guide.costs.epochs import (
    MAX_DEFAULT_EPOCHS,
    MAX_TARGET_EXAMPLES,
    MIN_DEFAULT_EPOCHS,
    MIN_TARGET_EXAMPLES,
    TARGET_EPOCHS,
    EpochsChoice,
    EpochsRule,
    choose_epochs,
    default_epochs,
)
from finetune_guide.costs.estimator import compare_models, estimate
from finetune_guide.costs.export import SummaryRow, estimate_csv, estimate_markdown
from finetune_guide.costs.overrides import format_overrides, parse_overrides
from finetune_guide.costs.plan import Estimate, EstimatePlan, Warning, check_plan
from finetune_guide.costs.prices import PRICE_KEYS, PriceLine, price_sheet
from finetune_guide.costs.running import (
    TokenPrices,
    Traffic,
    daily_inference_cost_usd,
    monthly_hosting_cost_usd,
    monthly_inference_cost_usd,
)
from finetune_guide.costs.training import (
    RftCost,
    billing_tokens_from_totals,
    billing_tokens_per_epoch,
    rft_cost,
    training_cost_usd,
)
from finetune_guide.costs.units import DAYS_PER_MONTH, HOURS_PER_MONTH, TOKENS_PER_MILLION
from finetune_guide.costs.validation import (
    MAX_EPOCHS,
    MAX_EXAMPLES,
    MAX_MONTHS,
    MAX_PRICE_USD,
    MAX_REQUESTS_PER_DAY,
    MAX_TOKENS_PER_REQUEST,
    MAX_TRAINING_HOURS,
    MAX_TRAINING_TOKENS,
    MIN_EPOCHS,
    EstimateInputError,
    check_amount,
    check_count,
    check_epochs,
)

__all__ = [
    "DAYS_PER_MONTH",
    "HOURS_PER_MONTH",
    "MAX_DEFAULT_EPOCHS",
    "MAX_EPOCHS",
    "MAX_EXAMPLES",
    "MAX_MONTHS",
    "MAX_PRICE_USD",
    "MAX_REQUESTS_PER_DAY",
    "MAX_TARGET_EXAMPLES",
    "MAX_TOKENS_PER_REQUEST",
    "MAX_TRAINING_HOURS",
    "MAX_TRAINING_TOKENS",
    "MIN_DEFAULT_EPOCHS",
    "MIN_EPOCHS",
    "MIN_TARGET_EXAMPLES",
    "PRICE_KEYS",
    "TARGET_EPOCHS",
    "TOKENS_PER_MILLION",
    "BreakEven",
    "EpochsChoice",
    "EpochsRule",
    "Estimate",
    "EstimateInputError",
    "EstimatePlan",
    "PriceLine",
    "RftCost",
    "SummaryRow",
    "TokenPrices",
    "Traffic",
    "Warning",
    "billing_tokens_from_totals",
    "billing_tokens_per_epoch",
    "break_even",
    "check_amount",
    "check_count",
    "check_epochs",
    "check_plan",
    "choose_epochs",
    "compare_models",
    "daily_inference_cost_usd",
    "default_epochs",
    "estimate",
    "estimate_csv",
    "estimate_markdown",
    "format_overrides",
    "monthly_hosting_cost_usd",
    "monthly_inference_cost_usd",
    "parse_overrides",
    "price_sheet",
    "rft_cost",
    "training_cost_usd",
]
