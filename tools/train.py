"""Train a model from a config: ``python tools/train.py CONFIG``.

A pipeline config (CR-GAN, DG-Net, SLSR) runs all its stages; re-running
the same command resumes it (``--resume`` changes nothing for a pipeline).
The command is :mod:`mmreidgen.tools.train` (``python -m
mmreidgen.tools.train`` is the same command from an installed package).
"""
from mmreidgen.tools.train import *  # noqa: F401,F403
from mmreidgen.tools.train import run

if __name__ == '__main__':
    run()
