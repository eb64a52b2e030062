"""Images: manifests and configs, platforms, the local image store, import/save/load, GC.

Contract for other areas: `nerdpy.images.store.ImageStore` and `nerdpy.images.image.Image`.
"""
