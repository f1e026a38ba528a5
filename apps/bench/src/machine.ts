// The machine line printed before any result, so a JSONL file says where it was measured.
import { cpus, totalmem } from 'node:os';

export interface MachineRecord {
  type: 'machine';
  cpu: string;
  cores: number;
  mem_gb: number;
  node: string;
  platform: string;
  date: string;
  [k: string]: unknown;
}

export function machineRecord(): MachineRecord {
  const c = cpus();
  return {
    type: 'machine',
    cpu: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    mem_gb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
    // malloc settings the process started with (cli.ts sets them unless given; they move CPU figures)
    glibc_tunables: process.env.GLIBC_TUNABLES ?? null,
  };
}
