// Test-only device module: opens task files in a party thread through @sfw/data's pinned opens, at
// whatever path the job hands it (not shipped: __tests__ is not built).
import { readFilePinned, writeFilePinned } from '@sfw/data';
import { defineDeviceModule } from '@sfw/runtime/device';
import type { PyuContext } from '@sfw/runtime/device';

function read(_ctx: PyuContext, path: string): Promise<string> {
  return readFilePinned(path, 'utf8');
}

async function write(_ctx: PyuContext, path: string, text: string): Promise<true> {
  await writeFilePinned(path, text);
  return true;
}

export default defineDeviceModule('files', { pyu: { read, write } });
