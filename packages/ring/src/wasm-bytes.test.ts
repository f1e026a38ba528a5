// The committed WebAssembly (src/wasm-bytes.ts) must be what wasm/ring.wat compiles to.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

describe('generated wasm', () => {
  it('src/wasm-bytes.ts is up to date with wasm/ring.wat', async () => {
    const script = fileURLToPath(new URL('../scripts/build-wasm.mjs', import.meta.url));
    const { render } = (await import(script)) as { render: () => Promise<string> };
    const committed = await readFile(fileURLToPath(new URL('./wasm-bytes.ts', import.meta.url)), 'utf8');
    expect(committed).toBe(await render());
  });
});
