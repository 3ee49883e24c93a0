"""Remove the folders that belong to answers not chosen.

Which folder belongs to which answer is data, `_folders_by_answer` in cookiecutter.json,
read here as JSON like every answer. A single file carries its condition in its own name
instead; a folder cannot, because a folder name that renders empty spills its files into
the parent folder.
"""

import json
import shutil


def unchosen_folders(answers):
    for variable, folders_by_value in answers["_folders_by_answer"].items():
        kept = folders_by_value.get(answers[variable], [])
        for folders in folders_by_value.values():
            yield from (folder for folder in folders if folder not in kept)


def main():
    # Single quotes on purpose: tojson escapes ' in every answer, so none can close this string.
    answers = json.loads(r'''{{ cookiecutter | tojson }}''')  # fmt: skip
    for folder in sorted(set(unchosen_folders(answers))):
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
