#!/usr/bin/env python3
"""Regenerates communes.tsv, the synthetic data's geography.

Source: the npm package @etalab/decoupage-administratif 6.0.0 (data from
INSEE, DGCL and La Poste's postcode base, under the Licence Ouverte / Etalab
2.0), fetched with `npm pack @etalab/decoupage-administratif@6.0.0`.

    python3 communes.py package/data/communes.json > communes.tsv

One row per (commune, postcode): postcode, name, inhabitants, and the
arrondissement number for Paris, Lyon and Marseille (0 elsewhere). A commune
served by several postcodes has its population split evenly between them.
Kept: metropolitan communes and those of Guadeloupe, Martinique, Guyane and
La Reunion (the generator's territories) with at least MIN_INHABITANTS per row;
the smaller ones hold some 13% of the population, which the kept rows absorb
by weight.
"""
import json
import sys

MIN_INHABITANTS = 1000
CITIES_WITH_ARRONDISSEMENTS = {"75056", "69123", "13055"}
OVERSEAS = {"971", "972", "973", "974"}


def main(path):
    communes = json.load(open(path, encoding="utf-8"))
    rows = []
    for c in communes:
        if c["type"] not in ("commune-actuelle", "arrondissement-municipal"):
            continue
        if c["code"] in CITIES_WITH_ARRONDISSEMENTS:
            continue  # its arrondissements are listed instead
        if c.get("zone") != "metro" and c.get("departement") not in OVERSEAS:
            continue
        postcodes = c.get("codesPostaux") or []
        population = c.get("population") or 0
        if not postcodes:
            continue
        name, arrondissement = c["nom"], None
        if c["type"] == "arrondissement-municipal":
            name, arrondissement = c["nom"].split(" ")[0], True
        share = round(population / len(postcodes))
        if share < MIN_INHABITANTS:
            continue
        for postcode in postcodes:
            # 75116 is Paris 16e, 69003 Lyon 3e, 13001 Marseille 1er.
            number = int(postcode[-2:]) if arrondissement is not None else 0
            rows.append((postcode, name, share, number))
    rows.sort()
    out = sys.stdout
    out.write("# postcode\tcommune\tinhabitants\tarrondissement (communes.py)\n")
    for postcode, name, share, arrondissement in rows:
        out.write(f"{postcode}\t{name}\t{share}\t{arrondissement}\n")


if __name__ == "__main__":
    main(sys.argv[1])
