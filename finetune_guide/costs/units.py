"""The units the cost arithmetic converts between: prices per million tokens, 30-day months."""

TOKENS_PER_MILLION = 1_000_000
DAYS_PER_MONTH = 30
# Azure's own example bills a month of hosting as 30 days × 24 hours.
HOURS_PER_MONTH = DAYS_PER_MONTH * 24
