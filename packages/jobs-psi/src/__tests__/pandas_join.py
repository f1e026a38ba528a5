# Reference join for the KKRT tests: pandas merge on the key columns (all values as strings).
# Prints JSON {"pairs": [[ds1 row, ds2 row], ...]} (inner/left/full; '' side = NULL row) or
# {"rows1": [...], "rows2": [...]} (difference). Usage: pandas_join.py a.csv b.csv keys1 keys2 how left
import json, sys
import pandas as pd

a_path, b_path, k1, k2, how, left = sys.argv[1:7]
k1, k2 = k1.split(','), k2.split(',')
a = pd.read_csv(a_path, dtype=str, keep_default_na=False)
b = pd.read_csv(b_path, dtype=str, keep_default_na=False)
a['__row1'] = a.apply(lambda r: ','.join(r[c] for c in a.columns), axis=1)
b['__row2'] = b.apply(lambda r: ','.join(r[c] for c in b.columns if c != '__row1'), axis=1)
ka = a[k1 + ['__row1']].rename(columns=dict(zip(k1, [f'__k{i}' for i in range(len(k1))])))
kb = b[k2 + ['__row2']].rename(columns=dict(zip(k2, [f'__k{i}' for i in range(len(k2))])))
on = [f'__k{i}' for i in range(len(k1))]
if how == 'difference':
    m1 = ka.merge(kb[on].drop_duplicates(), on=on, how='left', indicator=True)
    m2 = kb.merge(ka[on].drop_duplicates(), on=on, how='left', indicator=True)
    print(json.dumps({'rows1': list(m1[m1['_merge'] == 'left_only']['__row1']),
                      'rows2': list(m2[m2['_merge'] == 'left_only']['__row2'])}))
    sys.exit(0)
pd_how = {'inner_join': 'inner', 'full_join': 'outer'}.get(how)
if how == 'left_join':
    pd_how = 'left' if left == 'ds1' else 'right'
m = ka.merge(kb, on=on, how=pd_how).fillna('')
print(json.dumps({'pairs': [[r1, r2] for r1, r2 in zip(m['__row1'], m['__row2'])]}))
