"""The rules for one part of a message whose content is a list of parts (text and images)."""

from __future__ import annotations

from dataclasses import dataclass

from finetune_guide.datasets.parsing import json_kind, shown
from finetune_guide.datasets.rules.base import IMAGE_DATA_PREFIXES, IMAGE_DETAILS, Add, Rule


@dataclass(frozen=True, slots=True)
class Part:
    """One content part: the message it belongs to (line, number, role), its 1-based index and value."""

    line: int
    message: int
    role_name: str
    index: int
    value: object
    add: Add

    def report(self, text_id: str, **params: str | int) -> None:
        self.add(self.line, text_id, message=self.message, **params)

    @property
    def image_url(self) -> str | None:
        """The URL of an image part, when it has one that is a string."""
        if not isinstance(self.value, dict) or self.value.get("type") != "image_url":
            return None
        image = self.value.get("image_url")
        url = image.get("url") if isinstance(image, dict) else None
        return url if isinstance(url, str) else None


def image_in_assistant(part: Part) -> None:
    # Only the user's messages may show the model a picture.
    if isinstance(part.value, dict) and part.value.get("type") == "image_url" and part.role_name != "user":
        part.report("image_in_assistant", role=part.role_name)


def image_bad_url(part: Part) -> None:
    url = part.image_url
    if url is not None and not (url.startswith(("https://", "http://")) or url.startswith(IMAGE_DATA_PREFIXES)):
        part.report("image_bad_url", part=part.index, start=shown(url, 24))


def invalid_content_part(part: Part) -> None:
    value = part.value
    if not isinstance(value, dict):
        part.report("invalid_content_part", part=part.index, kind=json_kind(value))
        return
    kind = value.get("type")
    if kind == "text":
        if not isinstance(value.get("text"), str):
            part.report("invalid_content_part_text", part=part.index)
    elif kind == "image_url":
        if part.image_url is None:
            part.report("invalid_content_part_image", part=part.index)
            return
        detail = value["image_url"].get("detail")
        if detail is not None and detail not in IMAGE_DETAILS:
            part.report("invalid_content_part_detail", part=part.index, detail=shown(detail, 20))
    else:
        part.report("invalid_content_part", part=part.index, kind=shown(kind, 30))


# In report order: for an image part the wrong role, then a bad URL, then a missing URL or a bad detail
# (a missing URL and a bad URL never meet, so one rule per code keeps the original order).
PART_RULES: tuple[Rule[Part], ...] = (
    Rule("image_in_assistant", image_in_assistant),
    Rule("image_bad_url", image_bad_url),
    Rule("invalid_content_part", invalid_content_part),
)
