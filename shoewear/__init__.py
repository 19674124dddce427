"""shoewear: read a running shoe's outsole wear from a photo.

    from shoewear import Models, analyze

    models = Models.load()                      # the shipped networks
    result = analyze("sole.jpg", models)        # one photo, never raises for a bad one
    print(result.report.to_json())

`Models`, `analyze` and `pair_report` come from `shoewear.pipeline`; they are
imported on first use, so ``import shoewear`` (and ``shoewear --version``)
stays light.
"""

__version__ = "0.1.0"

__all__ = ["Models", "analyze", "pair_report", "__version__"]


def __getattr__(name: str):
    if name in ("Models", "analyze", "pair_report"):
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'shoewear' has no attribute {name!r}")
