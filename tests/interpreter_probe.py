"""What a tool sees of its interpreter, as JSON on stdout (for
test_forked_tools.py): ``python tests/interpreter_probe.py [EXIT]``;
``python tests/interpreter_probe.py sleep`` waits a minute for a signal."""
import json
import os
import signal
import sys
import time
import warnings

import numpy as np
import torch


def sleep() -> None:
    try:
        print('ready', flush=True)
        time.sleep(60)
    except KeyboardInterrupt:
        print('interrupted', flush=True)
        raise


if __name__ == '__main__' and sys.argv[1:] == ['sleep']:
    sleep()
elif __name__ == '__main__':
    print('stderr line', file=sys.stderr)
    warnings.warn('a user warning')
    warnings.warn('a deprecation warning of __main__', DeprecationWarning)
    warnings.warn('an ignored pending deprecation',
                  PendingDeprecationWarning)
    json.dump(dict(
        argv=sys.argv, path0=sys.path[0], path=sys.path[1:],
        cwd=os.getcwd(), ppid=os.getppid(),
        probe_var=os.environ.get('PROBE_VAR'),
        torch_seed=torch.initial_seed(), threads=torch.get_num_threads(),
        numpy_draws_differ=bool(np.random.randint(1 << 30) !=
                                np.random.randint(1 << 30)),
        grad=torch.is_grad_enabled(),
        sigint=signal.getsignal(signal.SIGINT) is signal.default_int_handler,
        sigterm=signal.getsignal(signal.SIGTERM) == signal.SIG_DFL,
        main_module=sys.modules['__main__'].__file__,
        tools_loaded=sorted(m for m in sys.modules
                            if m.startswith('mmreidgen.tools.'))),
        sys.stdout)
    sys.stdout.flush()
    sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
