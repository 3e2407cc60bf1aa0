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

if "$fwdlab" --help | grep -q -- "--ff-theta"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: --help lacks --ff-theta" >&2; fi

# A tiny real run: the last JSON line is the summary with test_accuracy and seconds.
summary=$("$fwdlab" train --hidden 32 --epochs 1 --train-limit 1000 --test-limit 500 --batch 50 --data-dir "$data" --json --quiet 2>/dev/null | tail -1)
if [[ $summary == *'"type":"summary"'* && $summary == *'"test_accuracy":0.'* && $summary == *'"seconds":'* ]]; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
  echo "FAIL: summary line: $summary" >&2
fi

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
