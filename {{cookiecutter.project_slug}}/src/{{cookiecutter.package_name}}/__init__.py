"""The service package; PROJECT_NAME and DESCRIPTION come from the generator's answers."""

PROJECT_NAME = {{ cookiecutter.project_name | tojson }}
DESCRIPTION = {{ cookiecutter.description | tojson }}
__version__ = "0.1.0"
