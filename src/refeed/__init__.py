"""refeed: re-publish archived news articles (seed files) as clean Atom feeds."""

__version__ = "0.1.0"
