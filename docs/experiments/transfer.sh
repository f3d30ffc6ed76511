#!/usr/bin/env bash
# Issue 17's transfer experiment: does fine-tuning a model trained on five GTZAN genres learn five new genres from a few
# clips each better than training from scratch? And does the five-genre model's calibrated confidence tell the five
# genres it never saw from its own?
#
#   docs/experiments/transfer.sh [GTZAN-510 folder] [output folder]
#   (defaults: ../shared/datasets/gtzan-510 and docs/results/transfer; ~25 min on 2 cores)
#
# Rules, fixed before any run:
# - Known genres: blues, classical, country, disco, hiphop. The five-genre model (pretrain5) trains on their clips outside
#   fold 0 of folds.tsv (85 % train, 15 % validation, stratified with seed 0: the validation clips choose its best epoch
#   and calibrate it); their fold-0 clips are held out for experiment (4).
# - New genres: jazz, metal, pop, reggae, rock. For each seed 0..4, each new genre's clips are shuffled with that seed;
#   the first k (k = 3, 5, 10) train, all the others test. No validation split: every run trains EPOCHS epochs (the
#   default recipe's cosine schedule over them) and keeps the last.
# - Arms on the same draws: scratch (the default recipe), and fine-tuning pretrain5 with each option set in VARIANTS.
# - Figure: test clip accuracy (genre evaluate --split test), mean ± sample std over the seeds.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
data=${1:-$here/../shared/datasets/gtzan-510}
out=${2:-$here/docs/results/transfer}
genre=${GENRE:-$here/.build/release/genre}
EPOCHS=${EPOCHS:-40}
SEEDS=${SEEDS:-"0 1 2 3 4"}
KS=${KS:-"3 5 10"}
known="blues classical country disco hiphop"
new="jazz metal pop reggae rock"
# name|options (the name is the arm's label in runs.tsv; names starting with "scratch" train without --init)
VARIANTS=(
  "finetune|"
  "finetune-freezebn|--freeze-batchnorm"
  "finetune-freeze2-freezebn|--freeze 2 --freeze-batchnorm"
  "finetune-lr0.1-freezebn|--backbone-lr-scale 0.1 --freeze-batchnorm"
  "head-only|--freeze 4 --freeze-batchnorm"
  # Added after the first run (its learning rate was the default recipe's 0.001 for every arm): both arms at 0.003.
  "finetune-lr0.003|--learning-rate 0.003"
  "scratch-lr0.003|--learning-rate 0.003"
)
# ARMS="name ..." runs only those arms (default: scratch and every variant).
ARMS=${ARMS:-}

data=$(cd "$data" && pwd)
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/pre5" "$work/new5"
for g in $known; do ln -s "$data/$g" "$work/pre5/$g"; done
for g in $new; do ln -s "$data/$g" "$work/new5/$g"; done

# Split lists (file<TAB>split) from folds.tsv, made by python3's standard library only.
python3 - "$data/folds.tsv" "$work" "$known" "$new" "$SEEDS" "$KS" <<'PY'
import random, sys
folds, work, known, new, seeds, ks = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split(), sys.argv[5].split(), sys.argv[6].split()
rows = [line.rstrip("\n").split("\t") for line in open(folds, encoding="utf-8")][1:]
by_genre = {}
for file, genre, fold in rows:
    by_genre.setdefault(genre, []).append((file, int(fold)))
def write(path, pairs):
    with open(path, "w", encoding="utf-8") as f:
        f.write("file\tsplit\n")
        for file, split in sorted(pairs):
            f.write(f"{file}\t{split}\n")
pairs = []
for g in known:
    rest = sorted(f for f, k in by_genre[g] if k != 0)
    random.Random(f"pretrain-{g}").shuffle(rest)
    v = round(0.15 * len(rest))
    pairs += [(f, "validation") for f in rest[:v]] + [(f, "train") for f in rest[v:]]
    pairs += [(f, "test") for f, k in by_genre[g] if k == 0]
write(f"{work}/pretrain5.split.tsv", pairs)
with open(f"{work}/unknown.txt", "w", encoding="utf-8") as f:
    for g in new:
        for file, _ in sorted(by_genre[g]): f.write(f"{work}/new5/{file}\n")
with open(f"{work}/known-test.txt", "w", encoding="utf-8") as f:
    for file, _ in sorted(p for p in pairs if p[1] == "test"): f.write(f"{work}/pre5/{file}\n")
for seed in seeds:
    order = {}
    for g in new:
        files = sorted(f for f, _ in by_genre[g])
        random.Random(f"seed{seed}-{g}").shuffle(files)
        order[g] = files
    for k in ks:
        write(f"{work}/new5-seed{seed}-k{k}.split.tsv",
              [(f, "train" if i < int(k) else "test") for g in new for i, f in enumerate(order[g])])
PY

log="$out/log.txt"
: > "$log"
echo "$("$genre" --version | head -1); EPOCHS=$EPOCHS; $(date -u +%Y-%m-%dT%H:%MZ); $(uname -m), $(nproc) cores" | tee "$out/machine.txt"
cp "$work/pretrain5.split.tsv" "$out/pretrain5.split.tsv"
"$genre" train "$work/pre5" --split-file "$work/pretrain5.split.tsv" --model "$work/pretrain5.safetensors" >> "$log" 2>&1
grep -E "^(best epoch|calibrated|not calibrated)" "$log" | tee "$out/pretrain5.txt"
"$genre" info "$work/pretrain5.safetensors" >> "$out/pretrain5.txt"

accuracy() { python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["clipAccuracy"], r["clips"])'; }
printf 'arm\tk\tseed\tclip_accuracy\ttest_clips\n' > "$out/runs.tsv"
for seed in $SEEDS; do
  for k in $KS; do
    split="$work/new5-seed$seed-k$k.split.tsv"
    arms=("scratch|" "${VARIANTS[@]}")
    for arm in "${arms[@]}"; do
      name=${arm%%|*}; opts=${arm#*|}
      if [ -n "$ARMS" ] && [[ " $ARMS " != *" $name "* ]]; then continue; fi
      init=(); [[ $name == scratch* ]] || init=(--init "$work/pretrain5.safetensors")
      model="$work/$name-s$seed-k$k.safetensors"
      # shellcheck disable=SC2086
      "$genre" train "$work/new5" --split-file "$split" --model "$model" --epochs "$EPOCHS" --seed "$seed" \
        "${init[@]}" $opts >> "$log" 2>&1
      read -r acc clips < <("$genre" evaluate "$work/new5" --model "$model" --split test --json 2>>"$log" | accuracy)
      printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$k" "$seed" "$acc" "$clips" | tee -a "$out/runs.tsv"
    done
  done
done

# Experiment (4): the calibrated five-genre model on its own held-out clips and on the five genres it never saw.
"$genre" evaluate "$work/pre5" --model "$work/pretrain5.safetensors" --split test --min-confidence model \
  > "$out/pretrain5-evaluate.txt" 2>>"$log"
for group in known-test unknown; do
  "$genre" predict --files-from "$work/$group.txt" --model "$work/pretrain5.safetensors" --format jsonl \
    --min-confidence model --top 1 2>>"$log" |
    python3 -c 'import json,sys
for line in sys.stdin:
    r = json.loads(line)
    print("\t".join([sys.argv[1], "/".join(r["file"].split("/")[-2:]), r["top"][0]["genre"], repr(r["top"][0]["probability"]), str(r["uncertain"]).lower()]))' "$group"
done > "$out/unknown-genres.tsv"
python3 "$here/docs/experiments/transfer_summary.py" "$out" | tee "$out/summary.md"
