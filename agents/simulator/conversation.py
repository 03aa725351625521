"""The conversation: its items in order, and the checks and edits that `conversation.item.*` events ask for."""

from __future__ import annotations

import base64
import binascii
import copy
from dataclasses import dataclass
from typing import Any

from .audio import assistant_audio, bytes_per_ms
from .errors import ClientError
from .ids import new_id

JSON = dict[str, Any]


@dataclass
class Item:
    """A conversation item: its public JSON (no audio bytes) plus what usage needs."""

    data: JSON
    audio: bytes = b""  # user audio as received (input format)
    audio_ms: int = 0  # user: audio length; assistant: audio generated (or kept after truncate)
    version: int = 0  # bumped when the item changes, which breaks the prompt cache after it
    truncated: bool = False
    markers_used: bool = False
    audio_format: Any = None
    speech: Any = None  # assistant: the `speech.Speech` its audio came from

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def role(self) -> str | None:
        role = self.data.get("role")
        return str(role) if role is not None else None


class Conversation:
    """The default conversation of a session: every item, in order."""

    def __init__(self) -> None:
        self.id = new_id("conv")
        self.items: list[Item] = []

    def find(self, item_id: Any) -> Item | None:
        return next((item for item in self.items if item.id == item_id), None)

    def _existing(self, item_id: Any) -> Item:
        item = self.find(item_id)
        if item is None:
            raise ClientError("invalid_value", f"Item with item_id '{item_id}' not found.", "item_id")
        return item

    def last_id(self) -> str | None:
        return self.items[-1].id if self.items else None

    def call_ids(self) -> set[str]:
        """The call_ids of the function calls in the conversation."""
        return {str(i.data.get("call_id")) for i in self.items if i.data.get("type") == "function_call"}

    def normalise_item(
        self, raw: Any, param: str = "item", *, input_format: Any, output_format: Any, pending_call_ids: set[str]
    ) -> Item:
        """Validate a client item and build its stored form (audio bytes kept aside).

        `pending_call_ids` are the function calls of responses still streaming, which an output may answer.
        """
        if not isinstance(raw, dict):
            raise ClientError("missing_required_parameter", f"Missing required parameter: '{param}'.", param)
        kind = raw.get("type")
        item_id = raw.get("id") if isinstance(raw.get("id"), str) and raw.get("id") else new_id("item")
        if self.find(item_id) is not None:
            raise ClientError("invalid_value", f"Item with id '{item_id}' already exists.", f"{param}.id")
        if kind == "function_call_output":
            for key in ("call_id", "output"):
                if not isinstance(raw.get(key), str):
                    raise ClientError(
                        "missing_required_parameter",
                        f"Missing required parameter: '{param}.{key}'.",
                        f"{param}.{key}",
                    )
            if raw["call_id"] not in self.call_ids() | pending_call_ids:
                raise ClientError(
                    "invalid_value",
                    f"No function call with call_id '{raw['call_id']}' found in the conversation.",
                    f"{param}.call_id",
                )
            data = {
                "id": item_id,
                "type": kind,
                "status": "completed",
                "call_id": raw["call_id"],
                "output": raw["output"],
            }
            return Item(data=data)
        if kind == "function_call":
            if not isinstance(raw.get("name"), str):
                raise ClientError(
                    "missing_required_parameter",
                    f"Missing required parameter: '{param}.name'.",
                    f"{param}.name",
                )
            data = {
                "id": item_id,
                "type": kind,
                "status": "completed",
                "name": raw["name"],
                "call_id": raw.get("call_id") or new_id("call"),
                "arguments": str(raw.get("arguments", "")),
            }
            return Item(data=data)
        if kind not in ("message", None):
            raise ClientError(
                "invalid_value",
                f"Invalid value: '{kind}'. Supported values are: 'message', 'function_call', 'function_call_output'.",
                f"{param}.type",
            )
        role = raw.get("role")
        if role not in ("user", "assistant", "system"):
            raise ClientError(
                "invalid_value",
                "Invalid value for 'role': expected user, assistant or system.",
                f"{param}.role",
            )
        content = raw.get("content")
        if not isinstance(content, list):
            raise ClientError(
                "missing_required_parameter",
                f"Missing required parameter: '{param}.content'.",
                f"{param}.content",
            )
        allowed = {
            "user": ("input_text", "input_audio", "input_image"),
            "system": ("input_text",),
            "assistant": ("output_text", "output_audio"),
        }[str(role)]
        parts: list[JSON] = []
        audio = b""
        fmt = input_format if role == "user" else output_format
        for index, part in enumerate(content):
            ptype = part.get("type") if isinstance(part, dict) else None
            where = f"{param}.content[{index}]"
            if ptype not in allowed:
                raise ClientError(
                    "invalid_value", f"Invalid content type '{ptype}' for a {role} message.", f"{where}.type"
                )
            assert isinstance(part, dict)
            if ptype in ("input_text", "output_text"):
                if not isinstance(part.get("text"), str):
                    raise ClientError(
                        "missing_required_parameter",
                        f"Missing required parameter: '{where}.text'.",
                        f"{where}.text",
                    )
                parts.append({"type": ptype, "text": part["text"]})
            elif ptype in ("input_audio", "output_audio"):
                if isinstance(part.get("audio"), str):
                    try:
                        audio += base64.b64decode(part["audio"], validate=True)
                    except (binascii.Error, ValueError) as exc:
                        raise ClientError(
                            "invalid_value", "Invalid 'audio': not valid base64.", f"{where}.audio"
                        ) from exc
                parts.append({"type": ptype, "transcript": part.get("transcript")})
            else:
                parts.append({k: v for k, v in part.items() if k in ("type", "image_url", "detail")})
        return Item(
            data={"id": item_id, "type": "message", "status": "completed", "role": role, "content": parts},
            audio=audio,
            audio_ms=int(len(audio) / bytes_per_ms(fmt)),
            audio_format=fmt,
        )

    def insert(self, item: Item, previous_id: Any) -> str | None:
        """Insert after `previous_id` (None: at the end, "root": first); return the id now before the item."""
        if previous_id is None:
            position = len(self.items)
        elif previous_id == "root":
            position = 0
        else:
            found = self.find(previous_id)
            if found is None:
                raise ClientError(
                    "invalid_value", f"Previous item with id '{previous_id}' not found.", "previous_item_id"
                )
            position = self.items.index(found) + 1
        self.items.insert(position, item)
        return self.items[position - 1].id if position > 0 else None

    def truncate(self, msg: JSON) -> tuple[Item, int, int]:
        """Apply a `conversation.item.truncate`: the heard share of an assistant audio item stays in the context.

        Returns the item, the content index and the audio end.
        """
        for key in ("item_id", "content_index", "audio_end_ms"):
            if key not in msg:
                raise ClientError("missing_required_parameter", f"Missing required parameter: '{key}'.", key)
        end_ms, index = msg["audio_end_ms"], msg["content_index"]
        if not isinstance(end_ms, int) or isinstance(end_ms, bool) or end_ms < 0:
            raise ClientError("invalid_value", "'audio_end_ms' must be a non-negative integer.", "audio_end_ms")
        item = self._existing(msg["item_id"])
        if item.data.get("type") != "message" or item.role != "assistant":
            raise ClientError("invalid_value", "Only assistant messages can be truncated.", "item_id")
        content = item.data.get("content") or []
        if not isinstance(index, int) or not 0 <= index < len(content) or content[index].get("type") != "output_audio":
            raise ClientError(
                "invalid_value", "'content_index' does not point to an audio content part.", "content_index"
            )
        if end_ms > item.audio_ms:
            raise ClientError(
                "invalid_value",
                f"Audio content of {item.audio_ms}ms is already shorter than {end_ms}ms.",
                "audio_end_ms",
            )
        part = content[index]
        transcript = str(part.get("transcript") or "")
        if item.audio_ms:
            # The unheard part of the transcript leaves the context, like the real server.
            part["transcript"] = transcript[: len(transcript) * end_ms // item.audio_ms]
        item.audio_ms = end_ms
        item.version += 1
        item.truncated = True
        return item, index, end_ms

    def delete(self, msg: JSON) -> Item:
        """Remove the item a `conversation.item.delete` names."""
        if "item_id" not in msg:
            raise ClientError("missing_required_parameter", "Missing required parameter: 'item_id'.", "item_id")
        item = self._existing(msg["item_id"])
        self.items.remove(item)
        return item

    def retrieve(self, msg: JSON) -> JSON:
        """The item a `conversation.item.retrieve` asks for, with its audio."""
        if "item_id" not in msg:
            raise ClientError("missing_required_parameter", "Missing required parameter: 'item_id'.", "item_id")
        item = self._existing(msg["item_id"])
        data = copy.deepcopy(item.data)
        for part in data.get("content") or []:
            if part.get("type") == "input_audio" and item.audio:
                part["audio"] = base64.b64encode(item.audio).decode()
            elif part.get("type") == "output_audio" and item.audio_ms:
                if item.speech is not None:
                    audio = item.speech.chunk(0, item.audio_ms)
                else:
                    audio = assistant_audio(item.audio_format, 0, item.audio_ms, item.audio_ms)
                part["audio"] = base64.b64encode(audio).decode()
        return data
