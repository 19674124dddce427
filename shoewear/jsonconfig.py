"""Reading a network's JSON config back: the checks both networks' configs share."""

from __future__ import annotations

import dataclasses
import json

from .errors import ModelError


class JsonConfig:
    """What a network's frozen config dataclass does with itself: JSON out, copies."""

    def to_json(self) -> str:
        """Serialise to one JSON string."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    def replace(self, **changes: object):
        """A copy with some fields changed (metrics, recipe, ...), checked again."""
        return dataclasses.replace(self, **changes)


def config_fields(cls: type, text: str, *, source: str, what: str, version: int,
                  tuples: tuple[str, ...], hint: str = "") -> dict:
    """The keyword arguments of dataclass `cls` from its JSON, checked.

    Parameters
    ----------
    cls : dataclass type
        Its fields are the keys allowed.
    text : str
        The JSON written by the config's ``to_json``.
    source : str
        Where the text came from (a file name), to start each message.
    what : str
        The config's name in messages, e.g. ``"model"``.
    version : int
        The only ``format_version`` accepted.
    tuples : tuple of str
        Keys whose JSON lists become tuples.
    hint : str
        What to do about a version mismatch, appended to that message.

    Raises
    ------
    ModelError
        Unreadable JSON, not an object, another format version or unknown keys.
    """
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{source}: {what} config is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ModelError(f"{source}: {what} config must be a JSON object")
    found = data.get("format_version")
    if found != version:
        raise ModelError(f"{source}: {what} format version {found!r} does not match this "
                         f"shoewear ({version}){hint}")
    unknown = sorted(set(data) - {f.name for f in dataclasses.fields(cls)})
    if unknown:
        raise ModelError(f"{source}: unknown {what} config keys {unknown}")
    for key in tuples:
        if key in data:
            try:
                data[key] = tuple(data[key])
            except TypeError:
                raise ModelError(f"{source}: {what} config key {key!r} must be a list, "
                                 f"got {data[key]!r}") from None
    return data


def build_config(cls: type, data: dict, *, source: str, what: str):
    """`cls(**data)`; a wrong type or value is one `ModelError` naming `source`."""
    try:
        return cls(**data)
    except (TypeError, ModelError) as exc:
        raise ModelError(f"{source}: bad {what} config ({exc})") from None
