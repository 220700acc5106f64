import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  await globalThis.__LOCAL_REDIS__?.stop();
  const embedded = globalThis.__EMBEDDED_PG__;
  if (!embedded) return;
  await embedded.stop();
  fs.rmSync(embedded.dir, { recursive: true, force: true });
}
