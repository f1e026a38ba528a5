"""A real Celery 5.2.6 worker with stub tasks of the same names (bench baseline / oracle).

/usr/bin/python3 -m celery -A stub worker -Q secretflow_queue --pool=solo  (cwd = this dir; REDIS_URL env)
"""
import os

from celery import Celery

url = os.environ.get('REDIS_URL', 'redis://127.0.0.1:6399/0')
app = Celery('stub', broker=url, backend=url)
app.conf.update(task_serializer='json', result_serializer='json', accept_content=['json'],
                result_extended=True, worker_prefetch_multiplier=4)


@app.task(name='tasks.secretflow.hello')
def hello(name='world'):
    return 'hello %s' % name


class TaskExecutionError(Exception):
    pass


class SecretflowError(Exception):
    pass


@app.task(name='tasks.secretflow.execute_task', bind=True, max_retries=3, default_retry_delay=0.3, acks_late=True)
def execute_task(self, task_request_id, params):
    mode = params.get('mode')
    if mode == 'succeed':
        return {'task_request_id': task_request_id, 'value': params.get('value', 42)}
    if mode == 'fail':
        raise ValueError('bad parameter: alpha')
    if mode == 'custom_fail':
        raise SecretflowError('party bob offline', 42)
    if mode == 'retry':
        n = int(params.get('n', 2))
        if self.request.retries < n:
            raise self.retry(exc=TaskExecutionError('transient failure %d' % self.request.retries))
        return {'retries': self.request.retries}
    raise ValueError('task_params.mode: unknown mode')
