"""The wear CNN: network, checkpoints, ONNX export, runtime, training and evaluation.

Importing this package is cheap: nothing here imports torch or onnxruntime
until a submodule that needs it is imported. `runtime` (what `analyze` uses)
needs only onnxruntime and numpy; `net`, `checkpoint`, `export` and `train`
need torch.
"""
