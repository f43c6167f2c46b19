"""The dated, sourced price catalog: fine-tunable models, prices, limits and availability dates."""

from finetune_guide.catalog.dates import Availability, AvailabilityState, availability
from finetune_guide.catalog.entries import AzureRules, Catalog, ModelEntry, OpenAIRules
from finetune_guide.catalog.figures import (
    DEPLOYMENT_TYPES,
    METHODS,
    PROVIDERS,
    STATUSES,
    TIERS,
    TOKEN_KINDS,
    CatalogError,
    Figure,
    Provider,
    Source,
    Status,
)
from finetune_guide.catalog.loading import CATALOG_PATH, load_catalog, parse_catalog
from finetune_guide.catalog.lookup import (
    FALLBACK_MAX_TOKENS_PER_EXAMPLE,
    UnknownModelError,
    analysis_method,
    base_model_name,
    catalog_methods,
    find_model,
    max_tokens_per_example,
    resolve_model,
)
from finetune_guide.catalog.prices import default_deployment_type, hosting_price, training_price

__all__ = [
    "CATALOG_PATH",
    "DEPLOYMENT_TYPES",
    "FALLBACK_MAX_TOKENS_PER_EXAMPLE",
    "METHODS",
    "PROVIDERS",
    "STATUSES",
    "TIERS",
    "TOKEN_KINDS",
    "Availability",
    "AvailabilityState",
    "AzureRules",
    "Catalog",
    "CatalogError",
    "Figure",
    "ModelEntry",
    "OpenAIRules",
    "Provider",
    "Source",
    "Status",
    "UnknownModelError",
    "analysis_method",
    "availability",
    "base_model_name",
    "catalog_methods",
    "default_deployment_type",
    "find_model",
    "hosting_price",
    "load_catalog",
    "max_tokens_per_example",
    "parse_catalog",
    "resolve_model",
    "training_price",
]
