#!/usr/bin/env python3
# Accumulator spills in the JIT's code: reads a disassembly dump and lists, for every optimized
# method (Tier1, OSR, FullOpts) with vector FMAs inside an innermost loop, how many vector loads and
# stores to the stack that loop holds (a kernel whose accumulators stay in registers has none).
# Make the dump by running the workload with the JIT's listing on, e.g. the bench's DeepSharp worker:
#   printf 'init seed=42 threads=2\nconv layer=aug2 pass=fwdbwd min=1\ntrain steps=300\nquit\n' |
#     DOTNET_JitStdOutFile=/tmp/jit.txt DOTNET_JitDisasm='*' \
#     dotnet bench/DeepSharp.Bench/bin/Release/net10.0/DeepSharp.Bench.dll --worker deepsharp
#   python3 bench/conv/jit-spills.py /tmp/jit.txt DeepSharp.Kernels
# (the worker's commands: bench/DeepSharp.Bench/Harness/WorkerHost.cs). Tier0 code always spills
# and is skipped.
import re
import sys

text = open(sys.argv[1], errors='replace').read()
only = sys.argv[2] if len(sys.argv) > 2 else ''
label_re = re.compile(r'^(G_M\d+_IG\d+):')
jump_re = re.compile(r'^\s+j\w+\s+(?:SHORT\s+)?(G_M\d+_IG\d+)')
stack_re = re.compile(r'(zmm|ymm|xmm)word ptr \[(rsp|rbp)')
for listing in re.split(r'\n(?=; Assembly listing for method )', text):
    if not listing.startswith('; Assembly listing'):
        continue
    head = listing.split('\n', 1)[0][len('; Assembly listing for method '):]
    if only not in head or ('Tier0)' in head and 'FullOpts' not in head):
        continue
    lines = listing.split('\n')
    where = {m.group(1): i for i, l in enumerate(lines) if (m := label_re.match(l))}
    loops = [(where[m.group(1)], i) for i, l in enumerate(lines)
             if (m := jump_re.match(l)) and m.group(1) in where and where[m.group(1)] < i]
    inner = [(a, b) for a, b in loops if not any(a <= c and d <= b and (c, d) != (a, b) for c, d in loops)]
    found = []
    for a, b in inner:
        body = lines[a:b + 1]
        fmas = sum('vfmadd' in x for x in body)
        if fmas:
            found.append((b - a, fmas, sum(bool(stack_re.search(x)) for x in body)))
    if found:
        print(head[:180])
        for n, fmas, spills in found:
            print(f'    inner loop: {n} lines, {fmas} FMAs, {spills} vector stack accesses' + ('  <-- SPILLS' if spills else ''))
