/**
 * Identical work in flight, done once: the first caller of a key runs the work, and callers of the
 * same key that arrive before it settles wait for the same promise instead of doing it again. Nothing
 * is kept once the work settles (this is not a cache: the next caller after it runs the work anew).
 * A failure is shared like a success, with the callers that were waiting for it.
 */
export class InFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  constructor(
    /** Told each time a caller joins work already in flight (a metric of what was saved). */
    private readonly onShared: () => void = () => undefined,
  ) {}

  /** The work's result for `key`, run by this call or joined while another call runs it. */
  run(key: string, work: () => Promise<T>): Promise<T> {
    const current = this.running.get(key);
    if (current) {
      this.onShared();
      return current;
    }
    const started = work();
    this.running.set(key, started);
    const forget = () => {
      if (this.running.get(key) === started) this.running.delete(key);
    };
    started.then(forget, forget);
    return started;
  }

  /** Keys in flight now (tests, metrics). */
  get size(): number {
    return this.running.size;
  }
}
