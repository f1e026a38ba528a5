// Mutual TLS 1.3 settings for links between hosts. Every host has a certificate whose subject CN (or a
// DNS subjectAltName) is its name (`alice`, `bob`, `dealer`); both sides verify the other's chain
// against the configured CA only (not the system store) and then the name against the one expected.
import type { PeerCertificate } from 'node:tls';

export interface TlsMaterial {
  /** PEM certificate chain of this host. */
  readonly cert: string | Buffer;
  /** PEM private key of this host. */
  readonly key: string | Buffer;
  /** PEM CA certificate(s) trusted for peers (replaces the system store). */
  readonly ca: string | Buffer;
}

/** Names a certificate asserts: its subject CN and its DNS subjectAltNames. */
export function certNames(cert: PeerCertificate | null | undefined): string[] {
  if (!cert || Object.keys(cert).length === 0) return [];
  const names: string[] = [];
  const cn = cert.subject?.CN;
  if (typeof cn === 'string') names.push(cn);
  else if (Array.isArray(cn)) names.push(...(cn as string[]));
  for (const part of (cert.subjectaltname ?? '').split(',')) {
    const m = /^\s*DNS:(.+)$/.exec(part);
    if (m) names.push(m[1]!.trim());
  }
  return names;
}

export const TLS_BASE = { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' } as const;
