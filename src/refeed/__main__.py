"""`python -m refeed` is the same as the `refeed` console script."""

from refeed.cli import main

main()
