"""The bundled demo clip and its ground truth, installed as ``synchrony.sample_videos``.

The files are package data; find them with :func:`synchrony.capture.samples.sample_clip`
(``importlib.resources``). ``make_dyad_clip`` is the generator that made them (see
``README.md`` here); rendering new clips also needs scikit-image (the ``dev`` extra).
"""
