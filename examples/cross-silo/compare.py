"""Compare a cross-silo run of the README pipeline with the local-mode run of the same task.

usage: /usr/bin/python3 compare.py LOCAL_DIR LOCAL_RESULT ALICE_DIR BOB_DIR SUBMIT_OUTPUT
  (the directories hold out/pipeline/...; LOCAL_RESULT is `sfw run --out`; SUBMIT_OUTPUT is submit.py's)

PSI outputs must be byte-identical. SS-LR is computed on secret shares with probabilistic truncation,
so two runs (local or cross-silo alike) differ in the last fixed-point bits: predictions must agree
within 1e-3 per row (FM64, 18 fractional bits) and the evaluation AUC/KS within 1e-3. Also checks
that each party's directory holds only its own outputs.
"""
import csv
import json
import os
import sys

local, local_result, alice, bob, submitted = sys.argv[1:6]
P = 'out/pipeline'
fail = []


def read(path):
    with open(path, 'rb') as f:
        return f.read()


for party, root in (('alice', alice), ('bob', bob)):
    name = f'{P}/psi_{party}.csv'
    if read(os.path.join(root, name)) != read(os.path.join(local, name)):
        fail.append(f'{name} differs from local mode')
    other = 'bob' if party == 'alice' else 'alice'
    for dirpath, _dirs, files in os.walk(os.path.join(root, 'out')):
        for fn in files:
            if fn.startswith(other):
                fail.append(f'{party} holds {other} output {os.path.join(dirpath, fn)}')


def rows(path):
    with open(path, newline='', encoding='utf-8') as f:
        return list(csv.DictReader(f))


loc, xs = rows(os.path.join(local, P, 'sslr_pred.csv')), rows(os.path.join(alice, P, 'sslr_pred.csv'))
if [r['id'] for r in loc] != [r['id'] for r in xs] or [r['y'] for r in loc] != [r['y'] for r in xs]:
    fail.append('prediction ids or labels differ')
worst = max(abs(float(a['pred']) - float(b['pred'])) for a, b in zip(loc, xs))
if worst >= 1e-3:
    fail.append(f'predictions differ by {worst}')
if os.path.exists(os.path.join(bob, P, 'sslr_pred.csv')):
    fail.append('bob holds the predictions (alice is the receiver)')


def summary(result):
    return next(s for s in result['steps'] if s['name'] == 'eval')['result']['summary']


with open(local_result, encoding='utf-8') as f:
    sl = summary(json.load(f)['result'])
with open(submitted, encoding='utf-8') as f:
    xs_results = json.load(f)
for party in ('alice', 'bob'):
    if not xs_results[party]['ok']:
        fail.append(f'{party} task failed: {xs_results[party]}')
sa = summary(xs_results['alice']['value']['result']) if xs_results['alice']['ok'] else {'auc': -1, 'ks': -1}
for k in ('auc', 'ks'):
    if abs(sl[k] - sa[k]) >= 1e-3:
        fail.append(f'{k} {sa[k]} vs local {sl[k]}')
print(json.dumps({'ok': not fail, 'problems': fail, 'max_pred_diff': worst, 'auc': sa['auc'], 'auc_local': sl['auc'], 'rows': len(xs)}))
sys.exit(1 if fail else 0)
