// docs/api/ is generated from the TSDoc comments (`pnpm run docs:api`); this regenerates it into a
// temporary directory and requires the committed copy to match file for file. Needs the built
// declarations of workspace dependencies (`pnpm run build`), like the docs script itself.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const committed = join(repo, 'docs', 'api');
const fresh = mkdtempSync(join(tmpdir(), 'sfw-api-docs-'));
afterAll(() => rmSync(fresh, { recursive: true, force: true }));

const list = (dir: string): string[] => (readdirSync(dir, { recursive: true, withFileTypes: true }))
  .filter((e) => e.isFile())
  .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
  .sort();
// Line endings and trailing blanks are not content.
const normalized = (f: string): string => readFileSync(f, 'utf8').replace(/\r\n/g, '\n').replace(/[ \t]+$/gm, '').trimEnd();

it('docs/api is current (run pnpm run docs:api after changing a public API or its TSDoc)', () => {
  const typedoc = join(createRequire(join(repo, 'package.json')).resolve('typedoc/package.json'), '..', 'bin', 'typedoc');
  execFileSync(process.execPath, [typedoc, '--options', 'typedoc.json', '--out', fresh], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  const want = list(fresh);
  expect(list(committed)).toEqual(want);
  const stale = want.filter((f) => normalized(join(committed, f)) !== normalized(join(fresh, f)));
  expect(stale).toEqual([]);
}, 600_000);
