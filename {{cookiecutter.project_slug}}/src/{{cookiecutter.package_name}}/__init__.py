"""The service package; PROJECT_NAME and DESCRIPTION come from the generator's answers."""

PROJECT_NAME = {{ cookiecutter.project_name | tojson }}
PROJECT_SLUG = "{{ cookiecutter.project_slug }}"
DESCRIPTION = {{ cookiecutter.description | tojson }}
__version__ = "0.1.0"
