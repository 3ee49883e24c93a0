"""Review tools: which routes are guarded, and who may do what (``python -m <package>.review``)."""
