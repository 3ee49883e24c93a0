"""Remove what belongs to the options not chosen.

Which paths belong to which choice is data (UNCHOSEN); files that differ only by
identity source carry their condition in their own names instead.
"""

import shutil
from pathlib import Path

ANSWERS = {
    "edge_appliance": "{{ cookiecutter.edge_appliance }}",
    "ci": "{{ cookiecutter.ci }}",
}
UNCHOSEN = {
    "edge_appliance": {
        "fortigate": ["edge/citrix-adc"],
        "citrix_adc": ["edge/fortigate"],
    },
    "ci": {
        "github": [".gitlab-ci.yml"],
        "gitlab": [".github"],
        "none": [".github", ".gitlab-ci.yml"],
    },
}


def main():
    for variable, paths_by_value in UNCHOSEN.items():
        for path in map(Path, paths_by_value[ANSWERS[variable]]):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
