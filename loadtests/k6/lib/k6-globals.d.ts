/**
 * Globals the k6 runtime provides that @types/k6 does not declare (it declares __ENV, __VU,
 * open()...). k6's console writes to the test's log output.
 */
declare const console: {
  log(...data: unknown[]): void;
  info(...data: unknown[]): void;
  warn(...data: unknown[]): void;
  error(...data: unknown[]): void;
  debug(...data: unknown[]): void;
};
