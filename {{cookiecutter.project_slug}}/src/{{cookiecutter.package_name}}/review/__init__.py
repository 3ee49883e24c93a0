"""Review tools (``python -m <package>.review``): which routes are guarded, who may do
what, and what a change gives to whom compared with a git ref."""
