"""A stored run in, arrays out: persistence and KDE views, one-class evaluation, explorer data,
exports and deep AE vs PCA (figures are made from these by corel_core.plots).
"""
