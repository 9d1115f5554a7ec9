#!/bin/bash
# Merges the shards' stores of a batch run into one, $IMC_OUT/all.db, without duplicates
# (docs/SCALING.md). Run it when every shard has finished, by hand or as a Slurm job that depends
# on the array (sbatch --dependency=afterany:$jid merge-shards.sh). Running it again is harmless.
#SBATCH --job-name=imc-merge
#SBATCH --time=00:30:00
#SBATCH --output=imc-merge-%j.log
set -euo pipefail

IMC=${IMC:-imc}
IMC_OUT=${IMC_OUT:-$HOME/imc/out}

"$IMC" store merge --into "$IMC_OUT/all.db" "$IMC_OUT"/shard-*.db
"$IMC" store info --store "$IMC_OUT/all.db"
