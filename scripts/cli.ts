/**
 * Runs a command-line script's `main` when its file is executed, not when it is imported (its tests
 * import it): the exit code it returns, or 2 with the error printed when it throws.
 */
export function runMain(module: NodeModule, main: () => Promise<number>): void {
  if (require.main !== module) return;
  main().then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 2;
    },
  );
}
