/**
 * Records every outbound TCP connection a test's process attempts beyond loopback and refuses it
 * before a packet leaves: `net.Socket.prototype.connect` is what node:http, undici (fetch) and the
 * cloud metadata detectors all end up calling. Unix sockets and loopback addresses pass through.
 */
import net from 'node:net';

export interface NetworkGuard {
  /** `host:port` of each refused attempt, in order. */
  attempts: string[];
  restore: () => void;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|localhost)$/i;

type ConnectArgs = [unknown, ...unknown[]];

/** Where a connect() call goes: net normalises its arguments to `[[options, cb]]` internally. */
function destination(args: ConnectArgs): { unix: boolean; host: string; port: unknown } {
  const list = Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
  const first = list[0];
  if (first && typeof first === 'object') {
    const o = first as { host?: string | null; port?: unknown; path?: string | null };
    // A unix socket has a path and no port; http's own options carry `path: null`.
    return { unix: typeof o.path === 'string' && o.port === undefined, host: o.host ?? 'localhost', port: o.port };
  }
  if (typeof first === 'string' && Number.isNaN(Number(first))) return { unix: true, host: '', port: undefined };
  return { unix: false, host: typeof list[1] === 'string' ? list[1] : 'localhost', port: first };
}

export function guardNetwork(): NetworkGuard {
  const attempts: string[] = [];
  const original = net.Socket.prototype.connect;
  const guarded = function (this: net.Socket, ...args: ConnectArgs): net.Socket {
    const to = destination(args);
    if (!to.unix && !LOOPBACK.test(to.host)) {
      attempts.push(`${to.host}:${String(to.port)}`);
      process.nextTick(() => this.destroy(new Error(`test network guard: ${to.host} is beyond loopback`)));
      return this;
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  };
  net.Socket.prototype.connect = guarded as typeof net.Socket.prototype.connect;
  return {
    attempts,
    restore: () => {
      net.Socket.prototype.connect = original;
    },
  };
}
