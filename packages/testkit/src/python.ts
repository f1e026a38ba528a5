// Runs a script under the Debian Python (/usr/bin/python3: sklearn, numpy, pandas, celery) to get
// reference values in tests. Bounded by a timeout so a stuck interpreter cannot hang the suite.
import { spawn } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

export function runPython(script: string, stdin = '', timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`python exited ${code ?? signal}: ${Buffer.concat(err).toString('utf8').slice(-2000)}`));
    });
    child.stdin.end(stdin);
  });
}

/** Runs `script` with `input` as JSON on stdin and parses its stdout as JSON. */
export async function runPythonJson<T = unknown>(script: string, input: unknown, timeoutMs?: number): Promise<T> {
  const text = await runPython(script, JSON.stringify(input), timeoutMs);
  return JSON.parse(text) as T;
}
