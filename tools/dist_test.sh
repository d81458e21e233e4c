#!/usr/bin/env bash
# Usage: tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args...]
# The torchrun call of tools/dist_train.sh (NNODES, NODE_RANK, MASTER_ADDR,
# PORT) with tools/test.py.
TOOL=test.py exec "$(dirname "$0")/dist_train.sh" "$1" "$3" "$2" "${@:4}"
