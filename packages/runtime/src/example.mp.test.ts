// The README example (examples/secure-mean.ts) runs as a separate Node program and matches plaintext.
// It runs from source (`--conditions=@sfw/source`) so that it does not depend on a prior build.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('examples/secure-mean.ts', () => {
  it('prints a secure mean within 0.01 of the plaintext mean', async () => {
    const script = fileURLToPath(new URL('../examples/secure-mean.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=@sfw/source', '--import', 'tsx', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      timeout: 110_000,
    });
    const m = /secure mean (\S+)\s+plaintext (\S+)/.exec(stdout);
    expect(m).not.toBeNull();
    const [secure, plain] = [Number(m![1]), Number(m![2])];
    expect(plain).toBeCloseTo(59994.44, 2);
    expect(Math.abs(secure - plain)).toBeLessThan(0.01);
  });
});
