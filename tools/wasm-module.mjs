// Shared by the scripts that compile a .wat text into a committed TypeScript module (ring's kernels,
// PSI's batch BLAKE2b): the module holds the bytes as base64, so neither tests nor the worker need
// wabt at run time, and `--check` (run by each package's staleness test) exits 1 when the committed
// file no longer matches its source. Each script keeps its own wabt import (a package dependency).
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * Compiles `wat` with an initialised wabt and renders the TypeScript module text.
 * @param {{ wabt: any, name: string, wat: string, features: Record<string, boolean>, constName: string, header: string }} o
 */
export function renderWasmModule({ wabt, name, wat, features, constName, header }) {
  const mod = wabt.parseWat(name, wat, features);
  mod.validate();
  const { buffer } = mod.toBinary({ log: false, write_debug_names: false });
  mod.destroy();
  const lines = Buffer.from(buffer).toString('base64').match(/.{1,100}/g) ?? [];
  return `// ${header}\n` + `// ${buffer.length} bytes of WebAssembly.\n` + `export const ${constName} =\n` + lines.map((l) => `  '${l}'`).join(' +\n') + ';\n';
}

/**
 * The command line of a generator script: when `scriptUrl` is the script node was started with,
 * writes `outPath` (or with `--check`, exits 1 naming it if it is stale).
 * @param {string} scriptUrl  the script's import.meta.url
 * @param {string} outPath
 * @param {() => Promise<string>} render
 * @param {string} regenerate  the command that rewrites the file, for the stale message
 */
export async function generatorMain(scriptUrl, outPath, render, regenerate) {
  if (!process.argv[1] || fileURLToPath(scriptUrl) !== process.argv[1]) return;
  const text = await render();
  if (process.argv.includes('--check')) {
    const current = await readFile(outPath, 'utf8').catch(() => '');
    if (current !== text) {
      process.stderr.write(`${outPath} is stale: run ${regenerate}\n`);
      process.exit(1);
    }
  } else {
    await writeFile(outPath, text);
  }
}
