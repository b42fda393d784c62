"""`python -m refeed` is the same as the `refeed` console script."""

from refeed.cli import main

if __name__ == "__main__":  # spawned worker processes import this module too
    main()
