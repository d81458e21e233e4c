"""ReIDRunner: a fresh logger per run, quiet console."""
import os.path as osp

from mmreidgen.apis import load_config
from mmreidgen.engine.runner import ReIDRunner

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/baseline/baseline_r18w16_synthmarket.py')


def test_two_runs_of_one_config_get_their_own_logger(synth_root, tmp_path):
    opts = {'data_root': osp.join(synth_root, 'synthmarket'),
            'num_workers': 0, 'num_classes': 8,
            'test_dataloader.persistent_workers': False,
            'train_dataloader.persistent_workers': False}
    runners = []
    for i in range(2):  # within the same second
        cfg = load_config(CONFIG, opts, work_dir=str(tmp_path / f'w{i}'))
        runners.append(ReIDRunner.from_cfg(cfg))
    first, second = runners
    assert first.experiment_name != second.experiment_name
    assert first.logger is not second.logger
    assert first.message_hub is not second.message_hub
    files = [h.baseFilename for r in runners for h in r.logger.handlers
             if hasattr(h, 'baseFilename')]
    assert files[0].startswith(str(tmp_path / 'w0'))
    assert files[1].startswith(str(tmp_path / 'w1'))
