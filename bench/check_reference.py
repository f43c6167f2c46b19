"""The reference loop for bench/check_speed.py: the OpenAI cookbook's chat data-prep code, as it is written.

Chat_finetuning_data_prep.ipynb run as one script: load every line with json.loads, count the seven format
errors, count tokens with tiktoken (encode per message value, and again per assistant reply), compute the
distributions and the epochs/billing estimate. Only the encoding differs from the notebook: the model's own
(o200k_base for gpt-4o-mini), loaded offline like the app's. Usage: python bench/check_reference.py FILE
"""

import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from finetune_guide.tokens import get_encoding

with open(sys.argv[1], encoding="utf-8") as f:
    dataset = [json.loads(line) for line in f]

format_errors = defaultdict(int)
for ex in dataset:
    if not isinstance(ex, dict):
        format_errors["data_type"] += 1
        continue
    messages = ex.get("messages", None)
    if not messages:
        format_errors["missing_messages_list"] += 1
        continue
    for message in messages:
        if "role" not in message or "content" not in message:
            format_errors["message_missing_key"] += 1
        if any(k not in ("role", "content", "name", "function_call", "weight") for k in message):
            format_errors["message_unrecognized_key"] += 1
        if message.get("role", None) not in ("system", "user", "assistant", "function"):
            format_errors["unrecognized_role"] += 1
        content = message.get("content", None)
        function_call = message.get("function_call", None)
        if (not content and not function_call) or not isinstance(content, str):
            format_errors["missing_content"] += 1
    if not any(message.get("role", None) == "assistant" for message in messages):
        format_errors["example_missing_assistant_message"] += 1

encoding = get_encoding("o200k_base")


def num_tokens_from_messages(messages, tokens_per_message=3, tokens_per_name=1):
    num_tokens = 0
    for message in messages:
        num_tokens += tokens_per_message
        for key, value in message.items():
            num_tokens += len(encoding.encode(value))
            if key == "name":
                num_tokens += tokens_per_name
    num_tokens += 3
    return num_tokens


def num_assistant_tokens_from_messages(messages):
    num_tokens = 0
    for message in messages:
        if message["role"] == "assistant":
            num_tokens += len(encoding.encode(message["content"]))
    return num_tokens


n_missing_system = n_missing_user = 0
n_messages, convo_lens, assistant_message_lens = [], [], []
for ex in dataset:
    messages = ex["messages"]
    if not any(message["role"] == "system" for message in messages):
        n_missing_system += 1
    if not any(message["role"] == "user" for message in messages):
        n_missing_user += 1
    n_messages.append(len(messages))
    convo_lens.append(num_tokens_from_messages(messages))
    assistant_message_lens.append(num_assistant_tokens_from_messages(messages))

stats = {}
for name, values in (("messages", n_messages), ("tokens", convo_lens), ("assistant", assistant_message_lens)):
    stats[name] = [
        int(np.min(values)),
        int(np.max(values)),
        float(np.mean(values)),
        float(np.median(values)),
        float(np.quantile(values, 0.1)),
        float(np.quantile(values, 0.9)),
    ]
MAX_TOKENS_PER_EXAMPLE = 65536
n_too_long = sum(length > MAX_TOKENS_PER_EXAMPLE for length in convo_lens)
n_epochs = 3
n_train_examples = len(dataset)
if n_train_examples * n_epochs < 100:
    n_epochs = min(25, 100 // n_train_examples)
elif n_train_examples * n_epochs > 25000:
    n_epochs = max(1, 25000 // n_train_examples)
billing = sum(min(MAX_TOKENS_PER_EXAMPLE, length) for length in convo_lens)
print(
    json.dumps(
        {
            "examples": n_train_examples,
            "tokens_total": int(sum(convo_lens)),
            "assistant_total": int(sum(assistant_message_lens)),
            "epochs": n_epochs,
            "billed": n_epochs * billing,
            "errors": dict(format_errors),
        }
    )
)
