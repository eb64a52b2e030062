"""Package discovery only (metadata lives in pyproject.toml): `compose/` is
installed as `nerdpy_compose`, a name no other distribution uses (the old
docker-compose owns a top-level `compose`)."""

from setuptools import find_packages, setup

compose = ["nerdpy_compose"] + [f"nerdpy_compose.{p}" for p in find_packages("compose")]
setup(
    packages=find_packages(include=["nerdpy", "nerdpy.*"]) + compose,
    package_dir={"nerdpy_compose": "compose"},
    package_data={"nerdpy": ["py.typed", "**/*.json"]},
)
