"""Package discovery and data files (metadata lives in pyproject.toml): `compose/` is
installed as `nerdpy_compose`, a name no other distribution uses (the old
docker-compose owns a top-level `compose`). The shell completions go where the
shells look below the install prefix: bash-completion (which also searches
<bin>/../share, so a venv works), zsh's site-functions, fish's vendor_completions.d."""

from setuptools import find_packages, setup

compose = ["nerdpy_compose"] + [f"nerdpy_compose.{p}" for p in find_packages("compose")]
setup(
    packages=find_packages(include=["nerdpy", "nerdpy.*"]) + compose,
    package_dir={"nerdpy_compose": "compose"},
    package_data={"nerdpy": ["py.typed", "**/*.json"]},
    data_files=[
        ("share/bash-completion/completions", ["completions/nerdpy"]),
        ("share/zsh/site-functions", ["completions/_nerdpy"]),
        ("share/fish/vendor_completions.d", ["completions/nerdpy.fish"]),
    ],
)
