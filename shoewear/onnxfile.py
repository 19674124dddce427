"""Open ONNX files with a shoewear config inside (onnxruntime; no torch, no onnx).

`training.onnx_export` writes them.
"""

from __future__ import annotations

from pathlib import Path

from .errors import ModelError


def open_session(path: Path, *, key: str, what: str, threads: int = 1) -> tuple[object, str]:
    """An onnxruntime CPU session of `path` and the JSON config stored under `key`.

    Parameters
    ----------
    path : Path
        An existing file.
    key : str
        Metadata key holding the config.
    what : str
        What the file should be ("model", "segmenter"), for the messages.
    threads : int
        Intra-op threads.

    Raises
    ------
    ModelError
        When the file is not a readable ONNX file (truncated, altered) or holds
        no config under `key`.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = max(1, int(threads))
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # Idle pool threads must not spin: beside other worker processes they burn the CPU
    # those need (a batch on two cores ran a quarter slower with spinning on).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own exception types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(
            f"{path}: not a readable ONNX {what}, the file may be truncated or damaged "
            f"({first[:200]})"
        ) from None
    meta = session.get_modelmeta().custom_metadata_map
    if key not in meta:
        raise ModelError(f"{path}: not a shoewear {what} (no {key} metadata)")
    return session, meta[key]
