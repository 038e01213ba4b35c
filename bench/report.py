#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Turn hsm-bench's output (the guest's log) into results.csv, results.md
and gnuplot PNGs: throughput against payload size and batch size, latency
percentiles, and the ratios the benchmark exists to answer.

    report.py GUEST_OUTPUT_LOG OUT_DIR
    report.py --compare OUT.md RELEASE=GUEST_OUTPUT_LOG...   headline ratios
                                                            of kernels side by side
"""
import csv
import os
import subprocess
import sys
from collections import defaultdict

SIZES = [16, 64, 1024, 16384, 1048576]
OPS = ["aes-256-gcm", "hmac-sha-256", "sha-256"]
# Signatures: one message size, verified rather than compared.
SIGN_OPS = ["ecdsa-p256-sha256", "ed25519", "rsa-pss-sha256"]
SIGN_SIZE = 64
# The product's batched path: libhsm when built in, else the raw ABI.
BATCHED = ["libhsm-batch", "hsm-uring-raw"]


def human(n):
    n = int(n)
    return f"{n // 1048576} MiB" if n >= 1048576 else f"{n // 1024} KiB" if n >= 1024 else f"{n} B"


def rate(v):
    return f"{v / 1e6:.2f} M" if v >= 1e6 else f"{v / 1e3:.1f} k" if v >= 1e3 else f"{v:.0f}"


def load(log):
    how, method, rows = {}, "", []
    header = None
    with open(log, errors="replace") as f:
        for line in f:
            line = line.strip().replace("\r", "")
            if line.startswith("how,"):
                _, name, desc = line.split(",", 2)
                if name != "competitor":
                    how[name] = desc
            elif line.startswith("method,"):
                method = line.split(",", 1)[1]
            elif line.startswith("csv,"):
                fields = line.split(",")[1:]
                if header is None:
                    header = fields
                else:
                    rows.append(dict(zip(header, fields)))
    return how, method, header, rows


def index(rows):
    """The best ops/s of every cell, the competitors, the product's
    batched path, and a look-up of one cell (None when not measured)."""
    best = {}  # (op, size, competitor, batch, threads) -> ops/s
    for r in rows:
        if r["status"] == "ok":
            best[(r["op"], int(r["size"]), r["competitor"], int(r["batch"]), int(r["threads"]))] = \
                float(r["ops_per_s"])
    comps = sorted({k[2] for k in best})
    product = next((c for c in BATCHED if c in comps), None)

    def get(op, size, comp, batch=1, threads=1):
        return best.get((op, size, comp, batch, threads))
    return best, comps, product, get


def ratio_text(v):
    return f"{v:.2f}x" if v is not None else "n/a"


def answers(get, comps, product):
    """The questions the benchmark exists to answer: (question, ratio or
    None, target), all measured within one boot."""
    def ratio(a, b):
        return a / b if a and b else None

    out = []
    for op in ("aes-256-gcm", "hmac-sha-256"):
        for mine in [product] + (["hsm-vector"] if "hsm-vector" in comps else []):
            p = get(op, 64, mine, 64)
            for other, target in (("kcapi", "≥ 5x"), ("softhsm2", "> 1x"),
                                  ("openssl", "(ceiling)"), ("kernel-bound", "(bound)")):
                out.append((f"64 B {op}: {mine} batch 64 vs {other}",
                            ratio(p, get(op, 64, other)), target))
    # One operation at a time on one thread against the same: a batch of 8
    # runs on several io-wq workers, which the bound does not.
    bigp = get("aes-256-gcm", 1048576, product, 1)
    out.append((f"1 MiB aes-256-gcm, one at a time: {product} vs kernel-bound",
                ratio(bigp, get("aes-256-gcm", 1048576, "kernel-bound")), "≥ 0.9x"))
    out.append((f"1 MiB aes-256-gcm, one at a time: {product} vs kcapi",
                ratio(bigp, get("aes-256-gcm", 1048576, "kcapi")), "> 1x"))
    out.append((f"1 MiB aes-256-gcm: {product} batch 8 (io-wq workers in parallel) vs kcapi",
                ratio(get("aes-256-gcm", 1048576, product, 8), get("aes-256-gcm", 1048576, "kcapi")), ""))
    # Signing through the module's worker against signing in the process
    # and through PKCS#11, each on as many threads.
    for op in SIGN_OPS:
        for threads in (1, 2):
            p = get(op, SIGN_SIZE, product, 64, threads)
            for other, target in (("openssl", "(ceiling)"), ("softhsm2", "> 1x")):
                out.append((f"{SIGN_SIZE} B {op}, {threads} thread{'s' if threads > 1 else ''}: "
                            f"{product} batch 64 vs {other}",
                            ratio(p, get(op, SIGN_SIZE, other, 1, threads)), target))
    # The same PKCS#11 calls on the same payloads, through hsm's module and
    # through SoftHSM2.
    for op, size in (("aes-256-gcm", 64), ("hmac-sha-256", 64), ("ecdsa-p256-sha256", SIGN_SIZE)):
        for threads in (1, 2):
            out.append((f"{human(size)} {op}, {threads} thread{'s' if threads > 1 else ''}: "
                        f"hsm-pkcs11 vs softhsm2",
                        ratio(get(op, size, "hsm-pkcs11", 1, threads),
                              get(op, size, "softhsm2", 1, threads)), "> 1x"))
    for op in OPS:
        out.append((f"64 B {op}, {product} batch 64: 2 threads vs 1",
                    ratio(get(op, 64, product, 64, 2), get(op, 64, product, 64, 1)), ""))
    for op in SIGN_OPS:
        out.append((f"{SIGN_SIZE} B {op}, {product} batch 64: 2 threads vs 1",
                    ratio(get(op, SIGN_SIZE, product, 64, 2), get(op, SIGN_SIZE, product, 64, 1)), ""))
    return out


def compare(out_md, pairs):
    """The headline ratios of several kernels side by side: pairs are
    RELEASE=GUEST_OUTPUT_LOG.  Each column comes from its own boot; rows
    compare within a boot, columns only by their ratios."""
    cols, table = [], {}
    targets = {}
    for pair in pairs:
        kver, log = pair.split("=", 1)
        _, _, _, rows = load(log)
        if not rows:
            sys.exit("report: no results in " + log)
        _, comps, product, get = index(rows)
        cols.append(kver)
        for q, v, t in answers(get, comps, product):
            table.setdefault(q, {})[kver] = v
            targets[q] = t
    md = ["# hsm benchmark: the kernels side by side", "",
          "Each kernel's column is one guest boot (QEMU, TCG unless HSM_KVM=1); every ratio "
          "compares two rows of the same boot, so columns compare by their ratios, never by "
          "absolute rates, and move about 15% between boots.  Each kernel's full tables and "
          "plots are in its own directory beside this file.", "",
          "| question | " + " | ".join(cols) + " | target |",
          "|---" * (len(cols) + 2) + "|"]
    for q, vals in table.items():
        md.append(f"| {q} | " + " | ".join(ratio_text(vals.get(c)) for c in cols) +
                  f" | {targets[q]} |")
    md.append("")
    os.makedirs(os.path.dirname(out_md) or ".", exist_ok=True)
    with open(out_md, "w") as f:
        f.write("\n".join(md))
    print("\n".join(md))


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--compare":
        compare(sys.argv[2], sys.argv[3:])
        return
    log, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    how, method, header, rows = load(log)
    if not rows:
        sys.exit("report: no results in " + log)
    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(rows)

    ok = [r for r in rows if r["status"] == "ok"]
    bad = [r for r in rows if r["status"] in ("WRONG", "FAILED")]
    best, comps, product, get = index(rows)

    md = ["# hsm benchmark", "", f"Measured in one guest boot (QEMU, TCG unless HSM_KVM=1): "
          "ratios between rows are meaningful, absolute numbers are not.", "",
          f"Method: {method}.", "", "| competitor | what it measures |", "|---|---|"]
    md += [f"| {c} | {how.get(c, '')} |" for c in sorted(how)]
    md.append("")
    if bad:
        md += ["## Failures", ""] + [f"- {r['op']} {human(r['size'])} {r['competitor']} "
                                     f"batch {r['batch']}: {r['status']}" for r in bad] + [""]

    md += ["## The answers", ""]
    if product:
        md.append(f"The product's batched path below is `{product}`.")
        md.append("")
        md += ["| question | measured | target |", "|---|---|---|"]
        md += [f"| {q} | {ratio_text(v)} | {t} |" for q, v, t in answers(get, comps, product)]
        md.append("")

    def columns(ops):
        """Every (competitor, batch) with a measured cell among ops."""
        return [(c, b) for c in comps
                for b in sorted({int(r["batch"]) for r in ok if r["competitor"] == c and r["op"] in ops})]

    def heading(first, cols):
        return ["| " + " | ".join([first] + [c + (f" ×{b}" if b > 1 else "") for c, b in cols]) + " |",
                "|---" * (len(cols) + 1) + "|"]

    for op in OPS:
        md += [f"## {op}: operations per second", ""]
        cols = columns(OPS)
        for threads in (1, 2):
            md.append(f"{threads} thread{'s' if threads > 1 else ''}:")
            md.append("")
            md += heading("size", cols)
            for s in SIZES:
                vals = [get(op, s, c, b, threads) for c, b in cols]
                if not any(vals):
                    continue
                md.append(f"| {human(s)} | " + " | ".join(rate(v) if v else "-" for v in vals) + " |")
            md.append("")

    # Signatures of one message size: a row per algorithm, a table per
    # thread count that was measured (the quick matrix signs on one).
    cols = columns(SIGN_OPS)
    if cols:
        md += [f"## Signatures of a {SIGN_SIZE}-byte message: operations per second", "",
               "Each competitor signs with its own key pair (libhsm's generated in the module, "
               "served by hsmd); OpenSSL verifies one signature of each cell under that "
               "competitor's public key.", ""]
        for threads in (1, 2):
            rows = [(op, [get(op, SIGN_SIZE, c, b, threads) for c, b in cols]) for op in SIGN_OPS]
            rows = [(op, vals) for op, vals in rows if any(vals)]
            if not rows:
                continue
            md += [f"{threads} thread{'s' if threads > 1 else ''}:", ""] + heading("algorithm", cols)
            md += [f"| {op} | " + " | ".join(rate(v) if v else "-" for v in vals) + " |" for op, vals in rows]
            md.append("")

    md += ["## Latency of one operation (µs, one thread, batch 1)", "",
           "| op | size | competitor | p50 | p99 |", "|---|---|---|---|---|"]
    for r in ok:
        if r["batch"] == "1" and r["threads"] == "1" and float(r["p50_us"]) > 0:
            md.append(f"| {r['op']} | {human(r['size'])} | {r['competitor']} | "
                      f"{float(r['p50_us']):.1f} | {float(r['p99_us']):.1f} |")
    md.append("")

    # Plots: throughput against size (best batch of each competitor, one
    # thread), and against batch size at 64 B (signatures: only that).
    pngs = []
    for op in OPS + SIGN_OPS:
        if op in OPS:
            dat = os.path.join(out, f"size-{op}.dat")
            series = []
            with open(dat, "w") as f:
                for c in comps:
                    pts = []
                    for s in SIZES:
                        v = [best[k] for k in best if k[0] == op and k[1] == s and k[2] == c and k[4] == 1]
                        if v:
                            pts.append((s, max(v) * s / 1048576))
                    if pts:
                        f.write(f'# {c}\n' + "".join(f"{s} {v}\n" for s, v in pts) + "\n\n")
                        series.append(c)
            png = f"throughput-size-{op}.png"
            plot(out, png, dat, series, f"{op}: throughput by payload size (1 thread, best batch)",
                 "payload bytes", "MiB/s", logx=True)
            pngs += [png] if series else []
        dat = os.path.join(out, f"batch-{op}.dat")
        series = []
        with open(dat, "w") as f:
            for c in comps:
                pts = sorted((k[3], best[k]) for k in best
                             if k[0] == op and k[1] == 64 and k[2] == c and k[4] == 1)
                if pts:
                    f.write(f'# {c}\n' + "".join(f"{b} {v}\n" for b, v in pts) + "\n\n")
                    series.append(c)
        png = f"throughput-batch-{op}.png"
        plot(out, png, dat, series, f"{op}: 64-byte operations per second by batch size (1 thread)",
             "batch size", "operations/s", logx=True)
        pngs += [png] if series else []
    md += ["## Plots", ""] + [f"![{p}]({p})" for p in pngs] + [""]

    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(md))
    print("\n".join(md[:60]))
    if bad:
        sys.exit(f"report: {len(bad)} cells failed or gave wrong answers")


def plot(out, png, dat, series, title, xlabel, ylabel, logx=False):
    if not series:
        return
    lines = [
        "set terminal pngcairo size 1000,600" if has_cairo() else "set terminal png size 1000,600",
        f"set output '{os.path.join(out, png)}'",
        f"set title '{title}'", f"set xlabel '{xlabel}'", f"set ylabel '{ylabel}'",
        "set logscale y", "set key outside right", "set grid",
    ]
    if logx:
        lines.append("set logscale x 2")
    plots = [f"'{dat}' index {i} with linespoints title '{c}'" for i, c in enumerate(series)]
    lines.append("plot " + ", ".join(plots))
    subprocess.run(["gnuplot"], input="\n".join(lines), text=True, check=True)


_CAIRO = None


def has_cairo():
    global _CAIRO
    if _CAIRO is None:
        r = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
        _CAIRO = "pngcairo" in (r.stdout + r.stderr)
    return _CAIRO


if __name__ == "__main__":
    main()
