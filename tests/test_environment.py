"""The conda environment.yml must mirror pyproject.toml (its single source of dependencies: core and every extra)."""

from __future__ import annotations

import tomllib

import yaml

from gan_lib.config import PROJECT_ROOT


def _pyproject_requirements() -> set[str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return set(project["dependencies"]).union(*extras.values())


def _environment_pip_requirements() -> set[str]:
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    pip_section = next(dep["pip"] for dep in env["dependencies"] if isinstance(dep, dict) and "pip" in dep)
    return {req for req in pip_section if not req.startswith("-e")}


def test_environment_yml_matches_pyproject_dependencies():
    assert _environment_pip_requirements() == _pyproject_requirements()


def test_torch_and_torchvision_are_pinned_as_a_pair():
    requirements = _pyproject_requirements()
    assert "torch==2.14.1" in requirements
    assert "torchvision==0.29.1" in requirements


def test_tensorboard_is_an_extra_and_not_a_base_dependency():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    assert any(req.startswith("tensorboard") for req in project["optional-dependencies"]["tensorboard"])
    assert not any(req.startswith("tensorboard") for req in project["dependencies"])


def test_python_floor_is_the_version_environment_yml_installs_and_ruff_targets():
    # The floor is the one Python the project is tested on (3.11: tomllib above, environment.yml, the CI image).
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    conda_python = next(dep for dep in env["dependencies"] if isinstance(dep, str) and dep.startswith("python="))
    version = conda_python.removeprefix("python=")
    assert pyproject["project"]["requires-python"] == f">={version}"
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + version.replace(".", "")
