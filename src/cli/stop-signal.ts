// Waits for SIGTERM or SIGINT, the signals every long-running command stops on.

/** Resolves with the first stop signal; both handlers are removed, so a second signal acts as Node's default. */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      resolve(signal);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}
