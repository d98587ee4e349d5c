#!/usr/bin/env bash
# Acetylacetone (ORCA PBE+D3/def2-SVP, Batatia et al. 2022): train on train_300K (a seeded 50 frames held out for
# validation), test on test_MD_300K (650 frames). Usage: bench/dft/acac.sh [EPOCHS] [HEADS] [OUT]; settings in common.sh.
source "$(dirname "$0")/common.sh"
OUT=$OUT_ROOT/acac; mkdir -p "$OUT"
split "$DFT/acac/train_300K.xyz" "$OUT/split" train:450 val:rest
{ settings; header; } > "$OUT/summary.md"
# VAL=none: the whole file goes to --train and the CLI holds out its own validation fraction.
TRAIN=$OUT/split/train.xyz; [[ "$VAL" == none ]] && TRAIN=$DFT/acac/train_300K.xyz
for head in $HEADS; do
  train_one acac "$TRAIN" "$OUT/split/val.xyz" "$DFT/acac/test_MD_300K.xyz" "$DFT/acac/isolated_atoms.xyz" "$head" "$OUT/$head"
  row acac test_MD_300K "$head" "$OUT/$head" >> "$OUT/summary.md"
done
cat "$OUT/summary.md"
