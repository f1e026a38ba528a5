import { describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRecords, renderChart } from './chart.ts';
import type { BenchRecord } from './suite.ts';

const recs: BenchRecord[] = [
  { suite: 'ring', case: 'mul', n: 1024, field: 'FM64', median_ms: 0.01, reps: 3 },
  { suite: 'ring', case: 'mul', n: 4096, field: 'FM64', median_ms: 0.04, reps: 3 },
  { suite: 'ring', case: 'add<x>', n: 1024, field: 'FM64', median_ms: 0.005, reps: 3 },
  { suite: 'ring', case: 'mul', n: 1024, field: 'FM128', median_ms: 0.02, reps: 3 },
];

describe('charts', () => {
  it('renders one panel per suite/field and one line per case, escaping names', () => {
    const svg = renderChart(recs);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)?.length).toBe(3);
    expect(svg).toContain('ring · FM64');
    expect(svg).toContain('ring · FM128');
    expect(svg).toContain('add&lt;x&gt;');
    expect(svg).not.toContain('NaN');
  });

  it('html wraps the svg with a table', () => {
    const html = renderChart(recs, 'html');
    expect(html).toContain('<svg');
    expect(html.match(/<tr><td>/g)?.length).toBe(4);
  });

  it('readRecords skips machine and suite lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sfw-chart-'));
    try {
      const f = join(dir, 'r.jsonl');
      await writeFile(f, [{ type: 'machine', cpu: 'x' }, ...recs].map((r) => JSON.stringify(r)).join('\n') + '\n');
      expect(await readRecords(f)).toHaveLength(4);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
