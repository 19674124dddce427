"""The one exception family of shoewear.

Library code raises these; only the CLI and the app turn them into a message
and an exit code. Each message is one line that names the bad value and,
where it helps, what to do instead.
"""


class ShoewearError(Exception):
    """Base class of every error shoewear raises on purpose."""

    exit_code = 1


class UsageError(ShoewearError):
    """Bad arguments or options (exit code 2)."""

    exit_code = 2


class ImageLoadError(ShoewearError):
    """A file could not be read as an image (missing, truncated, too big, ...)."""


class NoSoleFoundError(ShoewearError):
    """The photo holds nothing that looks like an outsole."""


class ModelError(ShoewearError):
    """A model file is missing, damaged or does not match this version."""


class DatasetError(ShoewearError):
    """A training or evaluation folder is empty or wrongly laid out."""


class KnowledgeBaseError(ShoewearError):
    """The advice knowledge base failed validation."""
