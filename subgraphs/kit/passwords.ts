import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt (memory-hard, in node:crypto so nothing native is installed), for
 * every subgraph that keeps credentials (ecommerce's customers; retail's staff next).
 * Stored as a versioned, self-describing string so that parameters can be raised later and old
 * hashes still verify:  $scrypt$v=1$N=16384,r=8,p=1$<salt base64>$<hash base64>
 * Hashing runs on libuv's thread pool (async scrypt), never on the event loop.
 */

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * N=2^14, r=8, p=1: 16 MiB and some tens of milliseconds per hash. Raising them later is safe:
 * old hashes keep verifying with their own parameters and needsRehash() upgrades them at login.
 */
export const DEFAULT_PARAMS: ScryptParams = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 64;
const SALT_LENGTH = 16;
const VERSION = 1;

export const MIN_PASSWORD_LENGTH = 8;
/** Long enough for passphrases, short enough that nobody can make us hash megabytes. */
export const MAX_PASSWORD_LENGTH = 200;

function scryptAsync(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = {
    N: params.N,
    r: params.r,
    p: params.p,
    // Node refuses to allocate more than 32 MiB by default; allow exactly what the parameters need.
    maxmem: 128 * params.N * params.r * params.p + 1024 * 1024,
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await scryptAsync(password, salt, params);
  return `$scrypt$v=${VERSION}$N=${params.N},r=${params.r},p=${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

const HASH_RE = /^\$scrypt\$v=1\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

export function parseHash(stored: string): ParsedHash | null {
  const m = HASH_RE.exec(stored);
  if (!m) return null;
  const params = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  // Refuse absurd parameters from a corrupted row rather than allocating gigabytes.
  if (params.N < 2 || params.N > 2 ** 20 || (params.N & (params.N - 1)) !== 0) return null;
  if (params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) return null;
  const salt = Buffer.from(m[4] ?? '', 'base64');
  const key = Buffer.from(m[5] ?? '', 'base64');
  if (salt.length < 8 || key.length < 32) return null;
  return { params, salt, key };
}

/** Constant-time comparison of the derived key; false for a wrong password or an unreadable hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const key = await scryptAsync(password, parsed.salt, parsed.params);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** True when a stored hash uses weaker parameters than today's: rehash it at the next login. */
export function needsRehash(stored: string, params: ScryptParams = DEFAULT_PARAMS): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return true;
  return parsed.params.N < params.N || parsed.params.r < params.r || parsed.params.p < params.p;
}

let dummyHash: Promise<string> | null = null;

/**
 * Spends the same work as a real verification when the email is unknown, so response time does not
 * tell an attacker which emails have accounts.
 */
export async function burnVerification(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await dummyHash);
  return false;
}
