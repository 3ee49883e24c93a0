"""``python -m {{ cookiecutter.package_name }}.doctor``: why are tokens refused?

Checks the settings against the live IdP (discovery, keys, algorithms, role map) and,
given a token on standard input, explains the verdict claim by claim. It prints claim
values, never the token or its signature.
"""
