/**
 * Idempotency keys for a basket or a return: the same key for every attempt at the same thing (a
 * double click, a retry after a lost answer), so the API records it once.
 */
export function newKey(prefix: string): string {
  const uuid =
    typeof crypto.randomUUID === 'function'
      ? crypto.randomUUID()
      : // randomUUID needs a secure origin; getRandomValues does not.
        Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${prefix}-${uuid}`;
}
