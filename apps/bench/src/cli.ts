#!/usr/bin/env node
// `pnpm bench --list` | `pnpm bench <suite...|all> [--quick] [--out file.jsonl]`
// | `pnpm bench chart <file.jsonl> [--out file.svg|file.html]`
// Prints one JSON object per line: first a machine line, then one record per measured case.
import { spawnSync } from 'node:child_process';
import { appendFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { MALLOC_TUNABLES } from '@sfw/runtime';
import { discoverSuites, type BrokenSuite } from './discover.ts';
import { machineRecord } from './machine.ts';
import { readRecords, renderChart } from './chart.ts';
import type { BenchRecord } from './suite.ts';

interface Args {
  positional: string[];
  quick: boolean;
  list: boolean;
  out?: string;
}

function parseArgs(argv: readonly string[]): Args {
  const a: Args = { positional: [], quick: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i] as string;
    if (s === '--quick') a.quick = true;
    else if (s === '--list') a.list = true;
    else if (s === '--out') {
      const v = argv[++i];
      if (v === undefined) throw new Error('--out needs a file name');
      a.out = v;
    } else if (s === '--help' || s === '-h') a.positional.unshift('help');
    else if (s.startsWith('--')) throw new Error(`unknown option ${s}`);
    else a.positional.push(s);
  }
  return a;
}

const USAGE = 'usage: bench --list | bench <suite...|all> [--quick] [--out results.jsonl] | bench chart <results.jsonl> [--out chart.svg|chart.html]\n';

// MALLOC_TUNABLES: glibc's malloc settings that keep freed memory mapped (fewer first-touch page
// faults in the SPU threads; without them the cluster's dealer reuses no answers). glibc reads them
// only at process start, so the bench re-executes itself with them unless GLIBC_TUNABLES is set
// already (set it, even empty, to measure without: `GLIBC_TUNABLES= pnpm bench cluster`).

function onGlibc(): boolean {
  if (process.platform !== 'linux') return false;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime !== undefined;
}

async function main(): Promise<number> {
  if (process.env.GLIBC_TUNABLES === undefined && onGlibc()) {
    const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, GLIBC_TUNABLES: MALLOC_TUNABLES } });
    if (r.error) throw r.error;
    return r.status ?? 1;
  }
  const args = parseArgs(process.argv.slice(2));
  if (args.positional[0] === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.positional[0] === 'chart') {
    const file = args.positional[1];
    if (file === undefined) throw new Error('chart needs a .jsonl file');
    const recs = await readRecords(file);
    const out = args.out ?? file.replace(/\.jsonl?$/, '') + '.svg';
    await writeFile(out, renderChart(recs, out.endsWith('.html') ? 'html' : 'svg'));
    process.stdout.write(`${JSON.stringify({ type: 'chart', records: recs.length, out })}\n`);
    return 0;
  }
  const broken: BrokenSuite[] = [];
  const suites = await discoverSuites(undefined, broken);
  for (const b of broken) process.stderr.write(`bench: skipping suite file ${basename(b.file)}: ${b.error}\n`);
  if (args.list || args.positional.length === 0) {
    for (const { suite } of suites) process.stdout.write(`${JSON.stringify({ type: 'suite', name: suite.name, description: suite.description })}\n`);
    for (const b of broken) process.stdout.write(`${JSON.stringify({ type: 'suite', file: basename(b.file), error: b.error })}\n`);
    if (!args.list) process.stderr.write(USAGE);
    return 0;
  }
  const wanted = args.positional.includes('all') ? suites.map((s) => s.suite.name) : args.positional;
  const unknown = wanted.filter((w) => !suites.some((s) => s.suite.name === w));
  if (unknown.length > 0) throw new Error(`unknown suite(s): ${unknown.join(', ')} (see --list)`);

  let pending: Promise<void> = Promise.resolve();
  const write = (obj: object): void => {
    const line = `${JSON.stringify(obj)}\n`;
    process.stdout.write(line);
    if (args.out !== undefined) {
      const out = args.out;
      pending = pending.then(() => appendFile(out, line));
    }
  };
  write(machineRecord());
  for (const name of wanted) {
    const { suite } = suites.find((s) => s.suite.name === name) as (typeof suites)[number];
    await suite.run({ quick: args.quick, emit: (r: BenchRecord) => write(r) });
  }
  await pending;
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
