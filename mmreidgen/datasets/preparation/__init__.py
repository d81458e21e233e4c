"""Offline data preparation: files written once, before any training.

- :mod:`.person_masks`: person masks of re-id crops for CR-GAN
  (``tools/dataset_converters/make_person_masks.py``), with GrabCut or a
  torchvision segmentation network.

Nothing is imported here: a backend loads torchvision's networks only
when it is built, and reading a dataset never needs this package.
"""
