#!/usr/bin/env bash
# Pre-train, then fine-tune (issue 18 part 2): the small BERT of `deepsharp pretrain spam` fine-tuned on
# 1 %, 5 % and 100 % of the SpamAssassin training labels against the same model from fresh weights,
# over 3 seeds; prints every run's test figures and the mean ± standard deviation per cell.
# Usage: bench/pretrain/spam-labels.sh DEEPSHARP_CLI ENCODER_FOLDER [LOG [INITS]]
#   DEEPSHARP_CLI   the built command (src/DeepSharp.Cli/bin/Release/net10.0/DeepSharp.Cli)
#   ENCODER_FOLDER  written first by: DEEPSHARP_CLI pretrain spam --out ENCODER_FOLDER --epochs 2
#   LOG             the runs' lines, appended (default spam-labels.log); the table is made from all of them
#   INITS           "pretrained scratch" (default), or one of them: the scratch runs need only the
#                   folder's vocabulary, so they can run while pre-training goes on
# Epochs give the few-label runs enough steps: 1 % → 20 epochs (2 steps each), 5 % → 8 (8 steps),
# 100 % → 1 (152 steps). Runs under nice and a time limit per run.
set -euo pipefail
cli=$1 encoder=$2 log=${3:-spam-labels.log} inits=${4:-pretrained scratch}
touch "$log"
for fraction in 0.01 0.05 1; do
  case $fraction in 0.01) epochs=20 ;; 0.05) epochs=8 ;; *) epochs=1 ;; esac
  for seed in 1 2 3; do
    for init in $inits; do
      extra=(); [ $init = scratch ] && extra=(--from-scratch)
      line=$(nice -n 15 timeout 900 "$cli" train spam --model transformer --encoder "$encoder" "${extra[@]}" \
               --labels $fraction --epochs $epochs --seed $seed --threads 2 --no-validation | grep '^Test accuracy')
      echo "$fraction $init $seed $line" | tee -a "$log"
    done
  done
done
echo
echo "| labels | encoder | accuracy (mean ± sd) | F1 (mean ± sd) |"
echo "| --- | --- | --- | --- |"
awk 'function max0(v) { return v > 0 ? v : 0 }
     { key = $1 " " $2; acc[key] += $6; acc2[key] += $6 * $6; f1[key] += $15; f12[key] += $15 * $15; n[key]++ }
     END { for (k in n) { split(k, p, " ");
             ma = acc[k] / n[k]; mf = f1[k] / n[k];
             sa = sqrt(max0(acc2[k] - n[k] * ma * ma) / (n[k] - 1 > 0 ? n[k] - 1 : 1)); sf = sqrt(max0(f12[k] - n[k] * mf * mf) / (n[k] - 1 > 0 ? n[k] - 1 : 1));
             printf "| %g %% | %s | %.4f ± %.4f | %.4f ± %.4f |\n", p[1] * 100, p[2], ma, sa, mf, sf } }' "$log" | sort -t'|' -k2,2n -k3,3
