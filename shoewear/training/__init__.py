"""Training the networks (torch): data preparation, fitting, ONNX export, evaluation.

The analysis core never imports this package; this package imports the core
(it prepares training soles through `shoewear.analyze`). Importing it is cheap:
torch is imported only by the submodules that train or export.
"""
