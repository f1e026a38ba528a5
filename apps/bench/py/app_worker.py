"""The Python baseline of `pnpm bench worker`: a Celery 5.2.6 app serving
tasks.secretflow.execute_task with the work the TS worker does for a `hello` task: check the
parameters, publish a status event when the task starts and when it succeeds (each event PUBLISHed
on the status channel and LPUSHed onto the capped status list in one MULTI), store the result
(result_extended) and ack late.

/usr/bin/python3 -m celery -A app_worker worker -Q secretflow_queue --pool=solo  (cwd = this dir; REDIS_URL env)
"""
import json
import os
import time
import uuid
from datetime import datetime, timezone

import redis
from celery import Celery
from celery.signals import task_prerun, task_success

url = os.environ.get('REDIS_URL', 'redis://127.0.0.1:6379/0')
app = Celery('app_worker', broker=url, backend=url)
app.conf.update(task_serializer='json', result_serializer='json', accept_content=['json'],
                result_extended=True, task_acks_late=True)
CHANNEL = os.environ.get('STATUS_CHANNEL', 'secretflow:task_status')
LIST = os.environ.get('STATUS_LIST', 'secretflow:task_status_log')
LIST_MAX = 10000
WORKER = os.environ.get('WORKER_HOSTNAME', 'bench-py@localhost')
status_redis = redis.Redis.from_url(url)  # redis-py reconnects after a prefork fork


def publish(task, status, extra=None):
    args = task.request.args or []
    params = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
    event = {
        'event_id': str(uuid.uuid4()),
        'task_request_id': args[0] if args and isinstance(args[0], str) else None,
        'celery_task_id': task.request.id,
        'task_type': params.get('task_type'),
        'status': status,
        'worker': WORKER,
        'retries': task.request.retries or 0,
        'timestamp': datetime.now(timezone.utc).isoformat(timespec='milliseconds').replace('+00:00', 'Z'),
    }
    if extra:
        event.update(extra)
    text = json.dumps(event)
    pipe = status_redis.pipeline(transaction=True)
    pipe.publish(CHANNEL, text).lpush(LIST, text).ltrim(LIST, 0, LIST_MAX - 1)
    pipe.execute()


@task_prerun.connect
def on_prerun(sender=None, task=None, **_):
    publish(task, 'RUNNING')


@task_success.connect
def on_success(sender=None, result=None, **_):
    pm = result.get('performance_metrics', {}) if isinstance(result, dict) else {}
    publish(sender, 'SUCCESS', {'result_summary': {'total_time_ms': pm.get('total_time_ms')}})


@app.task(name='tasks.secretflow.execute_task', bind=True, acks_late=True)
def execute_task(self, task_request_id, params):
    t0 = time.perf_counter()
    if not isinstance(task_request_id, str) or not 0 < len(task_request_id) <= 256:
        raise ValueError('task_request_id: expected a non-empty string')
    if not isinstance(params, dict) or params.get('task_type') != 'hello':
        raise ValueError('task_params.task_type: unknown task type')
    config = params.get('task_config') or {}
    name = config.get('name', 'world')
    if not isinstance(name, str) or len(name) > 100 or set(config) - {'name'}:
        raise ValueError('task_config.name: expected a string of at most 100 characters')
    total = (time.perf_counter() - t0) * 1000
    return {
        'task_request_id': task_request_id,
        'task_type': 'hello',
        'result': {'message': 'hello %s' % name},
        'performance_metrics': {'total_time_ms': total},
        'metadata': {'worker': WORKER, 'celery_task_id': self.request.id, 'retries': self.request.retries or 0},
    }
