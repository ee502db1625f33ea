"""Matplotlib style of the gallery, applied before every example (sphinx-gallery's
``reset_modules``): Matplotlib's defaults with a slightly larger font, so that the figures
stay legible at the width of the documentation's content column (about 700 px for a
9-inch-wide figure)."""


def reset_matplotlib(gallery_conf, fname):
    """Reset Matplotlib to its defaults, then enlarge the fonts (called by sphinx-gallery)."""
    import matplotlib

    matplotlib.rcdefaults()
    matplotlib.rcParams.update({"font.size": 11.5, "legend.fontsize": 10})
