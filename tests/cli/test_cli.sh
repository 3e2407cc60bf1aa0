#!/usr/bin/env bash
# fwdlab's contract with scripts and users: exit codes, one-line errors, the JSON summary.
set -uo pipefail
fwdlab=$1
data=$2
passed=0
failed=0

expect() {  # expect <description> <wanted exit code> <wanted stderr substring> -- command...
  local what=$1 code=$2 text=$3
  shift 4
  local err
  err=$("$@" 2>&1 >/dev/null)
  local got=$?
  if [[ $got -eq $code && $err == *"$text"* ]]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $what: exit $got (wanted $code), stderr: $err" >&2
  fi
}

expect "unknown option" 2 "fwdlab: unknown option '--frobnicate'" -- "$fwdlab" train --frobnicate
expect "bad number" 2 "fwdlab: --lr: expected a finite number, got 'fast'" -- "$fwdlab" train --lr fast
expect "nan learning rate" 2 "fwdlab: --lr: expected a finite number, got 'nan'" -- "$fwdlab" train --lr nan
expect "negative learning rate" 2 "learning rate must be a finite number in (0, 10], got -1" -- "$fwdlab" train --lr -1 --data-dir "$data"
expect "missing value" 2 "fwdlab: --epochs: missing value N" -- "$fwdlab" train --epochs
expect "bad layer sizes" 2 "fwdlab: --hidden: hidden layer sizes must be positive integers" -- "$fwdlab" train --hidden 10,,5
expect "zero epochs" 2 "--epochs: expected an integer in 1..100000, got 0" -- "$fwdlab" train --epochs 0
expect "unknown rule" 2 "unknown rule 'magic'" -- "$fwdlab" train --rule magic --data-dir "$data"
expect "batch larger than the data" 2 "batch size 500 is larger than the 100 training examples" -- \
  "$fwdlab" train --train-limit 100 --batch 500 --data-dir "$data"
expect "missing data" 1 "cannot open the file" -- "$fwdlab" train --data-dir /nonexistent
expect "unknown command" 2 "unknown command 'fly'" -- "$fwdlab" fly
expect "help" 0 "" -- "$fwdlab" --help

# Every option that takes a value: a value of the wrong type and one out of range, each refused
# with exit code 2 and a message naming the option or field (validation runs before the data load).
expect "epochs: wrong type" 2 "--epochs: expected an integer, got 'two'" -- "$fwdlab" train --epochs two
expect "batch: wrong type" 2 "--batch: expected an integer, got '3.5'" -- "$fwdlab" train --batch 3.5
expect "batch: zero" 2 "--batch: expected an integer in 1..2147483647, got 0" -- "$fwdlab" train --batch 0
expect "batch: beyond int" 2 "--batch: expected an integer in 1..2147483647, got 99999999999" -- "$fwdlab" train --batch 99999999999
expect "batch: overflowing digits" 2 "--batch: expected an integer, got '99999999999999999999999'" -- "$fwdlab" train --batch 99999999999999999999999
expect "lr: infinity" 2 "--lr: expected a finite number, got 'inf'" -- "$fwdlab" train --lr inf
expect "lr: trailing junk" 2 "--lr: expected a finite number, got '0.1x'" -- "$fwdlab" train --lr 0.1x
expect "lr: empty" 2 "--lr: expected a finite number, got ''" -- "$fwdlab" train --lr=
expect "lr: above 10" 2 "learning rate must be a finite number in (0, 10], got 11" -- "$fwdlab" train --lr 11
expect "momentum: one" 2 "momentum must be in [0, 1), got 1" -- "$fwdlab" train --momentum 1
expect "momentum: wrong type" 2 "--momentum: expected a finite number, got 'high'" -- "$fwdlab" train --momentum high
expect "beta1: negative" 2 "beta1 must be in [0, 1), got -0.5" -- "$fwdlab" train --beta1 -0.5
expect "beta2: one" 2 "beta2 must be in [0, 1), got 1" -- "$fwdlab" train --beta2 1
expect "weight decay: above 1" 2 "weight decay must be in [0, 1], got 3" -- "$fwdlab" train --weight-decay 3
expect "lr decay: negative" 2 "learning-rate decay must be in [0, 1], got -1" -- "$fwdlab" train --lr-decay -1
expect "seed: negative" 2 "--seed: expected an integer in 0..2147483647, got -1" -- "$fwdlab" train --seed -1
expect "seed: wrong type" 2 "--seed: expected an integer, got '0x10'" -- "$fwdlab" train --seed 0x10
expect "train limit: negative" 2 "--train-limit: expected an integer in 0..2147483647, got -5" -- "$fwdlab" train --train-limit -5
expect "test limit: wrong type" 2 "--test-limit: expected an integer, got 'all'" -- "$fwdlab" train --test-limit all
expect "ff theta: huge" 2 "ff theta must be a finite number with |theta| <= 1e6, got 1e+07" -- "$fwdlab" train --ff-theta 1e7
expect "ff goodness: unknown" 2 "unknown ff goodness 'max'; expected one of: sum, mean" -- "$fwdlab" train --ff-goodness max
expect "ff norm: unknown" 2 "unknown ff normalisation 'l1'; expected one of: length, rms" -- "$fwdlab" train --ff-norm l1
expect "ff negatives: unknown" 2 "unknown ff negatives 'all'; expected one of: random, hard" -- "$fwdlab" train --ff-negatives all
expect "ff schedule: unknown" 2 "unknown ff schedule 'x'; expected one of: together, greedy" -- "$fwdlab" train --ff-schedule x
expect "ff peer norm: above 100" 2 "ff peer normalisation must be in [0, 100], got 101" -- "$fwdlab" train --ff-peer-norm 101
expect "readout lr: zero" 2 "readout learning rate must be a finite number in (0, 10], got 0" -- "$fwdlab" train --readout-lr 0
expect "tangents: zero" 2 "--tangents: expected an integer in 1..1024, got 0" -- "$fwdlab" train --tangents 0
expect "fga skip inactive: wrong type" 2 "--fga-skip-inactive: expected on or off, got 'maybe'" -- "$fwdlab" train --fga-skip-inactive maybe
expect "lg groups: zero" 2 "--lg-groups: expected an integer in 1..16384, got 0" -- "$fwdlab" train --lg-groups 0
expect "lg groups: not a divisor" 2 "local-loss groups (3) must divide every hidden layer size" -- "$fwdlab" train --lg-groups 3 --hidden 100
expect "eval every: negative" 2 "--eval-every: expected an integer in 0..2147483647, got -1" -- "$fwdlab" train --eval-every -1
expect "time limit: negative" 2 "--time-limit: expected seconds >= 0, got -3" -- "$fwdlab" train --time-limit -3
expect "threads: too many" 2 "--threads: expected an integer in 0..1024, got 5000" -- "$fwdlab" train --threads 5000
expect "unknown optimiser" 2 "unknown optimizer 'rmsprop'; expected one of: sgd, adam" -- "$fwdlab" train --opt rmsprop
expect "unknown dataset" 2 "unknown dataset 'cifar'; expected one of: mnist, fashion" -- "$fwdlab" train --dataset cifar
expect "layers: too wide" 2 "--hidden: hidden layer sizes must be positive integers up to 16384" -- "$fwdlab" train --hidden 20000
expect "layers: too many" 2 "at most 16 hidden layers, got 17" -- "$fwdlab" train --hidden 8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8,8
expect "layers: too many weights" 2 "the network would have 281477130 weights" -- "$fwdlab" train --hidden 16384,16384
expect "flag with a value" 2 "--json takes no value" -- "$fwdlab" train --json=yes
expect "several problems at once" 2 "learning rate must be a finite number in (0, 10], got 20; beta1 must be in [0, 1), got 2" -- \
  "$fwdlab" train --lr 20 --beta1 2

# Bad data files: each names the file and the problem, exit code 1.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/dir/mnist/train-images-idx3-ubyte" "$scratch/trunc/mnist" "$scratch/magic/mnist" "$scratch/count/mnist"
expect "a directory for a data file" 1 "train-images-idx3-ubyte: is a directory, not a data file" -- \
  "$fwdlab" train --data-dir "$scratch/dir"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  cp "$data/mnist/$f" "$scratch/trunc/mnist/$f"
  cp "$data/mnist/$f" "$scratch/magic/mnist/$f"
  cp "$data/mnist/$f" "$scratch/count/mnist/$f"
done
truncate -s 1000000 "$scratch/trunc/mnist/train-images-idx3-ubyte"  # a download cut off midway
expect "truncated images" 1 "train-images-idx3-ubyte: truncated images file: the header promises 47040016 bytes, found 1000000" -- \
  "$fwdlab" train --data-dir "$scratch/trunc"
gzip -c -n "$data/mnist/t10k-labels-idx1-ubyte" > "$scratch/magic/mnist/t10k-labels-idx1-ubyte"  # still compressed
expect "gzip bytes where IDX is expected" 1 "t10k-labels-idx1-ubyte: wrong magic number for an IDX labels file: expected 0x00000801, found 0x1f8b0800" -- \
  "$fwdlab" train --data-dir "$scratch/magic"
head -c 5008 "$data/mnist/t10k-labels-idx1-ubyte" | { printf '\x00\x00\x08\x01\x00\x00\x13\x88'; tail -c +9; } \
  > "$scratch/count/mnist/t10k-labels-idx1-ubyte"  # 5000 labels for 10000 images
expect "image/label count mismatch" 1 "mnist test: image/label count mismatch: 10000 images but 5000 labels" -- \
  "$fwdlab" train --data-dir "$scratch/count"
expect "unwritable weights file" 1 "/nonexistent-dir/w.bin: cannot write the weights file" -- \
  "$fwdlab" train --hidden 8 --epochs 1 --train-limit 200 --test-limit 100 --batch 50 --data-dir "$data" --save /nonexistent-dir/w.bin
expect "divergence" 1 "times). The learning rate 10 is too large for rule fga; try 1 and reset." -- \
  "$fwdlab" train --rule fga --hidden 64,64 --batch 32 --opt sgd --lr 10 --seed 3 --train-limit 2000 --test-limit 100 --threads 1 --data-dir "$data"
# The step varies with the build's float summation order (100 in the release build, 120 under
# ASan/UBSan at -O1), so only the message is checked.
expect "dead network" 1 "the network's outputs no longer depend on its input" -- \
  "$fwdlab" train --rule bp --hidden 64,64 --batch 32 --opt sgd --lr 1 --seed 3 --train-limit 2000 --test-limit 100 --threads 1 --data-dir "$data"

if "$fwdlab" --help | grep -q -- "--ff-theta"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: --help lacks --ff-theta" >&2; fi

# A tiny real run: the last JSON line is the summary with test_accuracy and seconds.
summary=$("$fwdlab" train --hidden 32 --epochs 1 --train-limit 1000 --test-limit 500 --batch 50 --data-dir "$data" --json --quiet 2>/dev/null | tail -1)
if [[ $summary == *'"type":"summary"'* && $summary == *'"test_accuracy":0.'* && $summary == *'"seconds":'* ]]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL: summary line: $summary" >&2
fi

# --average-epochs: every evaluation and the summary also give the averaged weights' figures;
# without it, none.
averaged=$("$fwdlab" train --hidden 32 --epochs 1 --train-limit 1000 --test-limit 500 --batch 50 --data-dir "$data" \
  --average-epochs 0.5 --json --quiet 2>/dev/null | grep -c '"average_test_error":0\.')
if [[ $averaged == 2 && $summary != *average_* ]]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL: --average-epochs: $averaged lines with average_test_error (wanted the epoch and the summary)" >&2
fi
expect "average epochs: negative" 2 "weight-average horizon (epochs) must be in [0, 100000], got -1" -- \
  "$fwdlab" train --average-epochs -1
expect "average epochs: wrong type" 2 "--average-epochs: expected a finite number, got 'ten'" -- \
  "$fwdlab" train --average-epochs ten

# --eval-every replaces the per-epoch evaluation: 2 epochs of 20 steps, evaluated at steps 15, 30
# and at the last step (40); without it, once per epoch.
evaluated_steps() {
  "$fwdlab" train --hidden 8 --epochs 2 --train-limit 1000 --test-limit 100 --batch 50 --data-dir "$data" \
    --json --quiet "$@" 2>/dev/null | grep -E '"type":"(epoch|eval)"' | sed -E 's/.*"step":([0-9]+).*/\1/' | tr '\n' ' '
}
for case in "15 30 40 |--eval-every 15" "20 40 |"; do
  want=${case%%|*}
  got=$(evaluated_steps ${case#*|})
  if [[ $got == "$want" ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: evaluated at steps '$got', wanted '$want' (${case#*|})" >&2; fi
done

# --checkpoint: a run stopped after epoch 1 resumes there when asked for 2 epochs, and ends
# where an uninterrupted 2-epoch run ends (same final accuracy, bit-identical training).
ckpt=$(mktemp -u)
run_ckpt() {
  "$fwdlab" train --hidden 8 --train-limit 1000 --test-limit 200 --batch 50 --data-dir "$data" --json --quiet "$@" \
    2>"$ckpt.err" | tail -1 | sed -E 's/.*"test_accuracy":([0-9.e-]+).*"steps":([0-9]+).*/\1 \2/'
}
run_ckpt --epochs 1 --checkpoint "$ckpt" >/dev/null
resumed=$(run_ckpt --epochs 2 --checkpoint "$ckpt")
said=$(grep -c "resumed from $ckpt at step 20" "$ckpt.err")
straight=$(run_ckpt --epochs 2)
if [[ $said == 1 &&  $resumed == "$straight" && $resumed == *" 40" ]]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1)); echo "FAIL: checkpoint resume: resumed '$resumed' vs straight '$straight'" >&2
fi
expect "foreign checkpoint" 1 "written by another run (checkpoint has lr=0.001, this run has lr=0.01)" -- \
  "$fwdlab" train --hidden 8 --train-limit 1000 --batch 50 --lr 0.01 --data-dir "$data" --checkpoint "$ckpt"
rm -f "$ckpt" "$ckpt.err"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
