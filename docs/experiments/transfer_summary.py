"""Tables of issue 17's transfer experiment from the raw files transfer.sh writes (python3's standard library only).

    python3 docs/experiments/transfer_summary.py docs/results/transfer

runs.tsv: one test clip accuracy per (arm, k, seed) -> mean ± sample std per arm and k, and each fine-tuning arm's gain
over scratch on the same draws. unknown-genres.tsv: the five-genre model's calibrated top probability on its own held-out
clips (known) and on clips of the five genres it never saw (unknown) -> how often each is flagged at the recorded
threshold, and the AUROC of the top probability for known (positive) against unknown.
"""
import csv
import statistics
import sys

folder = sys.argv[1]
runs = list(csv.DictReader(open(f"{folder}/runs.tsv", encoding="utf-8"), delimiter="\t"))
arms = list(dict.fromkeys(r["arm"] for r in runs))
ks = sorted({int(r["k"]) for r in runs})
acc = {(r["arm"], int(r["k"]), r["seed"]): float(r["clip_accuracy"]) for r in runs}
seeds = sorted({r["seed"] for r in runs})


def pm(values):
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{100 * statistics.mean(values):.1f} ± {100 * sd:.1f}"


print("## Few clips per new genre: test clip accuracy, % (mean ± std over seeds " + ", ".join(seeds) + ")\n")
print("| arm | " + " | ".join(f"k = {k}" for k in ks) + " |")
print("|---|" + "---|" * len(ks))
for arm in arms:
    print(f"| {arm} | " + " | ".join(pm([acc[(arm, k, s)] for s in seeds]) for k in ks) + " |")
print("\n## Gain over scratch on the same draws, points (mean ± std over seeds)\n")
print("| arm | " + " | ".join(f"k = {k}" for k in ks) + " |")
print("|---|" + "---|" * len(ks))
for arm in arms:
    if arm.startswith("scratch"):
        continue
    # An arm trained with other options than the default recipe's is compared with scratch under the same options
    # ("finetune-X" with "scratch-X") when that arm exists, else with plain scratch.
    base = "scratch" + arm[len("finetune"):] if arm.startswith("finetune") and ("scratch" + arm[len("finetune"):]) in arms else "scratch"
    label = arm if base == "scratch" else f"{arm} vs {base}"
    print(f"| {label} | " + " | ".join(pm([acc[(arm, k, s)] - acc[(base, k, s)] for s in seeds]) for k in ks) + " |")

rows = list(csv.reader(open(f"{folder}/unknown-genres.tsv", encoding="utf-8"), delimiter="\t"))
known = [(float(r[3]), r[4] == "true") for r in rows if r[0] == "known-test"]
unknown = [(float(r[3]), r[4] == "true") for r in rows if r[0] == "unknown"]
# AUROC = P(a known clip's top probability > an unknown clip's), ties counted half (Mann-Whitney U / (n1 n2)).
wins = sum((k > u) + 0.5 * (k == u) for k, _ in known for u, _ in unknown)
auroc = wins / (len(known) * len(unknown))
flag_known = sum(f for _, f in known) / len(known)
flag_unknown = sum(f for _, f in unknown) / len(unknown)
print("\n## Genres the model never saw (the five-genre model, --min-confidence model)\n")
print("| clips | count | flagged uncertain | mean top probability |")
print("|---|---|---|---|")
print(f"| its own genres, held out (fold 0) | {len(known)} | {100 * flag_known:.1f} % | {statistics.mean(p for p, _ in known):.3f} |")
print(f"| the five genres it never saw | {len(unknown)} | {100 * flag_unknown:.1f} % | {statistics.mean(p for p, _ in unknown):.3f} |")
ratio = flag_unknown / flag_known if flag_known > 0 else float("inf")
print(f"\nUnknown-genre clips flagged {ratio:.2f}× as often as known ones (target ≥ 2×); "
      f"AUROC of the top probability, known vs unknown: {auroc:.3f}.")

# The same clips at other thresholds (predict --min-confidence P): how the two groups separate.
known_right = [(float(r[3]), r[2] == r[1].split("/")[0]) for r in rows if r[0] == "known-test"]
print("\n| --min-confidence | own genres flagged | unknown genres flagged | ratio | accuracy on own genres answered |")
print("|---|---|---|---|---|")
for t in [0.5, 0.6, 0.7, 0.8, 0.9]:
    fk = sum(p < t for p, _ in known) / len(known)
    fu = sum(p < t for p, _ in unknown) / len(unknown)
    answered = [ok for p, ok in known_right if p >= t]
    accuracy = f"{100 * sum(answered) / len(answered):.1f} %" if answered else "n/a"
    ratio = f"{fu / fk:.2f}×" if fk > 0 else "n/a"
    print(f"| {t} | {100 * fk:.1f} % | {100 * fu:.1f} % | {ratio} | {accuracy} |")
