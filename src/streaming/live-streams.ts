// The event streams being relayed right now, so a shutdown past its grace ends each with an error event.

export interface LiveStreams {
  /** Registers a stream's cut (it aborts the upstream read with the error given); returns its removal. */
  add(cut: (error: Error) => void): () => void;
  /** Cuts every live stream with `error`; each then writes the error event of its client's dialect. */
  cutAll(error: Error): number;
  readonly size: number;
}

/**
 * A stream still running when `shutdown.grace` is over used to lose its connection mid-event: the SDK
 * saw a broken transfer, not an error it knows. Cut through its own error path instead, it ends with
 * the dialect's error event (Anthropic `overloaded_error`, OpenAI's `data: {"error":…}`), which the
 * official SDKs raise.
 */
export function createLiveStreams(): LiveStreams {
  const cuts = new Set<(error: Error) => void>();
  return {
    add(cut) {
      cuts.add(cut);
      return () => {
        cuts.delete(cut);
      };
    },
    cutAll(error) {
      const count = cuts.size;
      for (const cut of [...cuts]) cut(error);
      cuts.clear();
      return count;
    },
    get size() {
      return cuts.size;
    },
  };
}
