"""`python -m nerdpy`: the same entry point as the `nerdpy` console script."""

from nerdpy.cli.main import main

if __name__ == "__main__":
    main()
