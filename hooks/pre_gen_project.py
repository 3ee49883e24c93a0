"""Refuse answers the generated project cannot carry safely, before any file is written.

The answers reach this script as JSON data, never as Python source, so a quote, a backslash
or a template payload in an answer is only ever a string to inspect.
"""

import json
import keyword
import re
import sys
import unicodedata

# Assembled from pieces: written out whole, the markers would be read by the Jinja pass that
# cookiecutter runs over this very file.
OPEN_BRACE = "{"
JINJA_MARKERS = tuple(OPEN_BRACE + second for second in ("{", "%", "#"))

SLUG = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")
PACKAGE_NAME = re.compile(r"[a-z][a-z0-9_]*")
EMAIL_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# A CODEOWNERS owner: @user, @org/team (GitLab: @group/subgroup), or an e-mail address.
OWNER = re.compile(r"@[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9_.-]+)*|[^@\s]+@[^@\s]+\.[^@\s]+")


def contains_jinja(text):
    return any(marker in text for marker in JINJA_MARKERS)


def contains_control_character(text):
    return any(unicodedata.category(character) == "Cc" for character in text)


def longer_than(limit):
    return lambda text: len(text) > limit


def not_matching(pattern):
    return lambda text: pattern.fullmatch(text) is None


def free_text_rules(max_length):
    return [
        (contains_jinja, "answers are data; Jinja syntax is not allowed"),
        (contains_control_character, "must not contain control characters (newline, tab, ...)"),
        (longer_than(max_length), f"must be at most {max_length} characters"),
    ]


RULES = {
    "project_name": [
        (lambda text: not text.strip(), "must not be empty"),
        *free_text_rules(max_length=80),
    ],
    "project_slug": [
        (
            not_matching(SLUG),
            "must be lowercase letters and digits in hyphen-separated words, "
            "starting with a letter (like orders-api)",
        ),
        (longer_than(63), "must be at most 63 characters (Kubernetes names and labels)"),
    ],
    "package_name": [
        (
            not_matching(PACKAGE_NAME),
            "must be a lowercase Python identifier (letters, digits and underscores, "
            "starting with a letter)",
        ),
        (
            lambda name: keyword.iskeyword(name) or keyword.issoftkeyword(name),
            "must not be a Python keyword",
        ),
        (
            lambda name: name in sys.stdlib_module_names,
            "must not shadow a standard-library module",
        ),
    ],
    "description": free_text_rules(max_length=200),
    "author_name": free_text_rules(max_length=200),
    "author_email": [
        *free_text_rules(max_length=200),
        (not_matching(EMAIL_ADDRESS), "must be an e-mail address like team@example.com"),
    ],
    "access_reviewers": [
        *free_text_rules(max_length=200),
        (
            lambda text: not text.split() or any(not OWNER.fullmatch(o) for o in text.split()),
            "must be CODEOWNERS owners separated by spaces: @org/team, @user or team@example.com",
        ),
    ],
}


# Choices cookiecutter checks one by one, but that do not go together.
CONFLICTS = [
    (
        "device_posture",
        lambda answers: (
            answers.get("device_posture") == "required"
            and answers.get("identity_source") == "bearer_token"
        ),
        "the edge checks the device at sign-in, and identity_source 'bearer_token' "
        "ships no signed-in door",
    ),
]


def first_problem(answers):
    """Return one line naming the first answer that breaks a rule, or None when all hold."""
    for name, rules in RULES.items():
        value = str(answers.get(name, ""))
        for is_broken, rule in rules:
            if is_broken(value):
                return f"{name} {value!r}: {rule}"
    for name, is_broken, rule in CONFLICTS:
        if is_broken(answers):
            return f"{name} {answers[name]!r}: {rule}"
    return None


def main():
    # Single quotes on purpose: tojson escapes ' in every answer, so none can close this string.
    answers = json.loads(r'''{{ cookiecutter | tojson }}''')  # fmt: skip
    problem = first_problem(answers)
    if problem:
        print(problem, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
