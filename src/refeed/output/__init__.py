"""Stored entries -> feed files: the feed model, one renderer per format, atomic publishing."""

# What refeed's own rendering writes, by revision: raised by a change to this package that
# changes its output for a feed it has written before (a golden that had to be updated says
# so). It is part of the render fingerprint (pipeline._check_fingerprints), so every feed of
# an existing state is rendered again once, as when a renderer library's version moves.
# 1: a derived feed's script variant links its own page as its homepage (variants.py).
# 2: Atom: the page is the first link and the one "alternate" (other-script versions by the
#    relation's IRI, links.py), and the feed's author is named in every entry without a
#    byline (atom.py): for newsboat and for readers that take a feed's first link.
RENDERING_REVISION = 2
