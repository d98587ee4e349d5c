#!/usr/bin/env bash
# Ethanol (rMD17 geometries relabelled with ORCA PBE/def2-SVP, Batatia et al. 2022): train on train.xyz (a seeded 50
# frames held out for validation), test on test_MD.xyz (1,000 frames); then the energy along test_H_removal (O–H
# stretched to dissociation) and test_dimers (HH, HC, HO, CC, CO, OO from 0.35 Å) against the DFT curves, as SVG
# figures and per-curve errors (bench/dft/dft_curves.cs). Usage: bench/dft/ethanol.sh [EPOCHS] [HEADS] [OUT].
source "$(dirname "$0")/common.sh"
OUT=$OUT_ROOT/ethanol; mkdir -p "$OUT"
ISO=$DFT/ethanol/isolated_atoms.xyz
split "$DFT/ethanol/train.xyz" "$OUT/split" train:950 val:rest
{ settings; header; } > "$OUT/summary.md"
# VAL=none: the whole file goes to --train and the CLI holds out its own validation fraction.
TRAIN=$OUT/split/train.xyz; [[ "$VAL" == none ]] && TRAIN=$DFT/ethanol/train.xyz
curves="| head | curve | points | E RMSE (meV) | E MAE (meV) | shape RMSE (meV) | DFT min (eV) | model min (eV) |\n|---|---|---|---|---|---|---|---|\n"
for head in $HEADS; do
  dir=$OUT/$head
  train_one ethanol "$TRAIN" "$OUT/split/val.xyz" "$DFT/ethanol/test_MD.xyz" "$ISO" "$head" "$dir"
  row ethanol test_MD "$head" "$dir" >> "$OUT/summary.md"
  for set in test_H_removal test_dimers; do
    nice -n "$NICE" $CATPOT predict "$dir/model.safetensors" "$DFT/ethanol/$set.xyz" -o "$dir/$set.pred.xyz" 2>> "$dir/train.log"
    dotnet run "$REPO/bench/dft/dft_curves.cs" -- "$dir/$set.pred.xyz" "$ISO" "$dir/figures/$set" "ethanol, $head head" > /dev/null
    curves+=$("$PY" - "$head" "$dir/figures/$set.json" <<'PY'
import json, sys
head, path = sys.argv[1:]
for c in json.load(open(path))["curves"]:
    print(f"| {head} | {c['curve']} | {c['points']} | {c['absolute_rmse_meV']:.0f} | {c['absolute_mae_meV']:.0f} | "
          f"{c['shifted_rmse_meV']:.0f} | {c['dft_minimum_eV']:.3f} | {c['model_minimum_eV']:.3f} |")
PY
)"\n"
  done
done
{ echo; echo "Energy curves (E − Σ E0 of the DFT isolated atoms; shape: each curve minus its value at the largest separation); figures in $OUT/<head>/figures:"; echo; printf "%b" "$curves"; } >> "$OUT/summary.md"
cat "$OUT/summary.md"
