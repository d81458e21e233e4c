"""ReIDVisualizer.draw_crgan_render: X_S | X'_T | X_C | X_G columns."""
import torch

from mmreidgen.visualization import ReIDVisualizer


def test_columns_and_rows():
    n, h, w = 10, 6, 4
    render = dict(
        batch=dict(source=-torch.ones(n, 3, h, w),
                   target=torch.zeros(n, 3, h, w)),
        out=dict(fake=torch.ones(n, 3, h, w),
                 context_mask=torch.full((n, 1, h, w), 0.5)))
    grid = ReIDVisualizer.draw_crgan_render(render, num=8)
    pad = 2
    assert grid.shape == (8 * (h + pad) + pad, 4 * (w + pad) + pad, 3)
    row = pad + 1
    columns = [grid[row, pad + c * (w + pad) + 1].tolist() for c in range(4)]
    # source -1 -> 0; no masked target: the target, 0 -> 128; the mask
    # 0.5 -> 128; fake 1 -> 255.
    assert columns == [[0] * 3, [128] * 3, [128] * 3, [255] * 3]
    render['out']['masked_target'] = torch.ones(n, 3, h, w)
    grid = ReIDVisualizer.draw_crgan_render(render, num=2)
    assert grid.shape[0] == 2 * (h + pad) + pad
    assert grid[row, pad + (w + pad) + 1].tolist() == [255] * 3
