"""The web side, as it really calls the TS worker: Debian's celery 5.2.6 + redis-py (real-worker compat suite).

usage: /usr/bin/python3 real_client.py CASE REDIS_URL [JSON_ARG]   -> one JSON object on the last stdout line.
Every wait is bounded (AsyncResult.get timeouts, bounded polling loops).
"""
import json
import sys
import threading
import time

import redis
from celery import Celery
from webside import outcome
from webside import wait_status
from webside import list_events as _list_events

case, url = sys.argv[1], sys.argv[2]
arg = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}

app = Celery('web', broker=url, backend=url)
app.conf.update(task_serializer='json', result_serializer='json', accept_content=['json'])
Q = 'secretflow_queue'
CHANNEL = 'secretflow:task_status'
r_ = redis.Redis.from_url(url)


def execute(request_id, params):
    """Exactly the web side's call."""
    return app.send_task('tasks.secretflow.execute_task', args=[request_id, params], queue=Q)


def meta(res):
    raw = r_.get('celery-task-meta-' + res.id)
    return json.loads(raw) if raw else None


def wait_terminal_event(task_id, wait_s=5):
    """The terminal status event is published just after the result is stored: bounded wait for it."""
    deadline = time.time() + wait_s
    while time.time() < deadline:
        evs = list_events(task_id)
        if evs and evs[-1]['status'] in ('SUCCESS', 'FAILURE'):
            return
        time.sleep(0.05)


def list_events(task_id):
    return _list_events(r_, task_id)


class ChannelListener:
    """Collects every message on the status channel; subscribed before the task is sent."""

    def __init__(self):
        self.msgs = []
        self.stop = threading.Event()
        self.ps = r_.pubsub(ignore_subscribe_messages=True)
        self.ps.subscribe(CHANNEL)
        deadline = time.time() + 5
        while time.time() < deadline:  # wait for the subscribe confirmation
            m = self.ps.get_message(ignore_subscribe_messages=False, timeout=0.2)
            if m and m['type'] == 'subscribe':
                break
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop.is_set():
            m = self.ps.get_message(timeout=0.2)
            if m and m['type'] == 'message':
                self.msgs.append(json.loads(m['data']))

    def close(self, task_id, wait_s=10):
        # The terminal event is already in the durable list (same MULTI as the PUBLISH): wait until
        # this subscriber has read it too, bounded, instead of guessing a delay.
        deadline = time.time() + wait_s
        while time.time() < deadline:
            if any(e.get('celery_task_id') == task_id and e.get('status') in ('SUCCESS', 'FAILURE') for e in list(self.msgs)):
                break
            time.sleep(0.05)
        self.stop.set()
        self.t.join(5)
        self.ps.close()
        return [e for e in self.msgs if e.get('celery_task_id') == task_id]


out = {}
if case == 'builtins':
    hello = app.send_task('tasks.secretflow.hello', args=['web'], queue=Q)
    out['hello'] = outcome(hello, 30)
    health = app.send_task('tasks.secretflow.health_check', queue=Q)
    out['health'] = outcome(health, 30)
    via = execute('req-hello', {'task_type': 'hello', 'task_config': {'name': 'web'}})
    out['execute_hello'] = outcome(via, 30)
    out['states'] = [hello.state, health.state, via.state]
elif case == 'execute':  # arg: {request_id, params, timeout, listen}
    listener = ChannelListener() if arg.get('listen') else None
    res = execute(arg['request_id'], arg['params'])
    t0 = time.time()
    out = outcome(res, arg.get('timeout', 60))
    out['client_s'] = round(time.time() - t0, 2)
    m = meta(res) or {}
    out.update(id=res.id, state=res.state, retries=m.get('retries'))
    wait_terminal_event(res.id)
    if listener is not None:
        out['channel'] = listener.close(res.id)
    out['log'] = list_events(res.id)
elif case == 'psi_join':  # arg: {alice, bob, out_alice, out_bob, key}: the plaintext join vs the worker's CSVs
    import pandas as pd
    from pandas.testing import assert_frame_equal
    key = arg.get('key', 'id')
    a, b = pd.read_csv(arg['alice']), pd.read_csv(arg['bob'])
    oa, ob = pd.read_csv(arg['out_alice']), pd.read_csv(arg['out_bob'])
    joined = a.merge(b, on=key, how='inner')
    out = {'join_rows': len(joined), 'rows_alice': len(oa), 'rows_bob': len(ob),
           'cols_alice': list(oa.columns) == list(a.columns), 'cols_bob': list(ob.columns) == list(b.columns),
           'aligned': list(oa[key]) == list(ob[key])}
    for side, got, cols in (('alice', oa, list(a.columns)), ('bob', ob, list(b.columns))):
        want = joined[cols].sort_values(key).reset_index(drop=True)
        have = got.sort_values(key).reset_index(drop=True)
        try:
            assert_frame_equal(have, want, check_dtype=False, check_exact=False, rtol=1e-12)
            out['equal_' + side] = True
        except AssertionError as e:
            out['equal_' + side] = False
            out['diff_' + side] = str(e)[:500]
elif case == 'auc_reference':  # arg: {alice, bob, pred_csv}: scikit-learn plaintext reference + AUC of the worker's scores
    import pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.preprocessing import StandardScaler
    j = pd.read_csv(arg['alice']).merge(pd.read_csv(arg['bob']), on='id', how='inner')
    X = StandardScaler().fit_transform(j.drop(columns=['id', 'y']).values)  # population std, as examples/data/README.md
    y = j['y'].values
    ref = LogisticRegression(max_iter=10000).fit(X, y)
    p = pd.read_csv(arg['pred_csv'])
    joined_ids = set(j['id'])
    out = {'reference_auc': float(roc_auc_score(y, ref.predict_proba(X)[:, 1])),
           'pred_rows': len(p), 'pred_ids_match': set(p['id']) == joined_ids,
           'labels_match': bool((p.set_index('id')['y'].sort_index().values == j.set_index('id')['y'].sort_index().values).all()),
           'auc_of_pred_file': float(roc_auc_score(p['y'], p['pred']))}
elif case == 'revoke_running':  # arg: {request_id, params, after_status, after_match, wait_s}
    res = execute(arg['request_id'], arg['params'])
    seen = None
    deadline = time.time() + arg.get('wait_s', 90)
    while time.time() < deadline and seen is None:  # revoke only once the job is really computing
        for e in list_events(res.id):
            if e['status'] == arg.get('after_status', 'PROGRESS') and arg.get('after_match', '') in json.dumps(e.get('progress')):
                seen = e
                break
        else:
            time.sleep(0.1)
    out['revoked_after'] = seen and {'status': seen['status'], 'progress': seen.get('progress')}
    out['reply'] = app.control.revoke(res.id, terminate=True, reply=True, timeout=2)
    t0 = time.time()
    out.update(outcome(res, 60))
    out['revoke_to_result_s'] = round(time.time() - t0, 2)
    wait_terminal_event(res.id)
    out.update(id=res.id, state=res.state, log=list_events(res.id))
elif case == 'send':  # publish only (used before SIGTERM); arg: {request_id, params}
    res = execute(arg['request_id'], arg['params'])
    out = {'id': res.id}
elif case == 'wait_status':  # arg: {id, status, wait_s}: bounded poll of the durable status list
    out = {'found': wait_status(r_, arg['id'], arg['status'], arg.get('wait_s', 60))}
elif case == 'events':  # arg: {id}: the task's status events from the durable list, oldest first
    out = {'log': list_events(arg['id'])}
elif case == 'after_shutdown':  # arg: {id}: state of the task sent before SIGTERM, unacked + queue contents
    res = app.AsyncResult(arg['id'])
    m = meta(res)
    out = {'status': m and m['status'], 'unacked': r_.hlen('unacked'), 'unacked_index': r_.zcard('unacked_index'),
           'queue_len': r_.llen(Q), 'queue_ids': [json.loads(x)['headers']['id'] for x in r_.lrange(Q, 0, -1)]}
elif case == 'restore_visible':  # kombu's own recovery of messages left unacked longer than the visibility timeout
    from kombu import Connection
    time.sleep(arg.get('sleep_s', 1.5))
    with Connection(url, transport_options={'visibility_timeout': 1}) as c:
        c.default_channel.qos.restore_visible(num=10)
    out = {'unacked': r_.hlen('unacked'), 'queue_ids': [json.loads(x)['headers']['id'] for x in r_.lrange(Q, 0, -1)]}
else:
    raise SystemExit('unknown case ' + case)

print(json.dumps(out, default=str))
