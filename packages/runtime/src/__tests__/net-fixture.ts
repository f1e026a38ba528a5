// Test helpers for cross-host links: throwaway certificates (examples/cross-silo/make-certs.sh, the
// same script the demo uses) and free loopback ports.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TlsMaterial } from '../net/tls-config.ts';

const SCRIPT = fileURLToPath(new URL('../../../../examples/cross-silo/make-certs.sh', import.meta.url));

/** A fresh CA in its own directory with a certificate per name. */
export function makePki(names: string[], prefix = 'sfw-pki-'): { dir: string; tls(name: string): TlsMaterial } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  execFileSync('bash', [SCRIPT, dir, ...names], { stdio: 'ignore' });
  return {
    dir,
    tls: (name) => ({ cert: readFileSync(join(dir, `${name}.pem`)), key: readFileSync(join(dir, `${name}.key`)), ca: readFileSync(join(dir, 'ca.pem')) }),
  };
}

