// Per-exchange facts the resilience and pacing stages know and spans report: pacing wait, breaker state.
import type { Exchange } from "../pipeline/exchange.ts";

export interface ResilienceNote {
  /** Milliseconds this exchange waited in pacing, summed over its attempts. */
  pacingWaitMs?: number;
  /** The provider's circuit breaker state when the last attempt was let through. */
  breakerState?: "closed" | "open" | "half-open";
}

// A WeakMap keeps the Exchange contract unchanged and lets a note go with its exchange.
const notes = new WeakMap<Exchange, ResilienceNote>();

/** Merges `note` into what is known about `exchange`; a pacing wait adds up across attempts. */
export function noteResilience(exchange: Exchange, note: ResilienceNote): void {
  const current = notes.get(exchange);
  if (current === undefined) {
    notes.set(exchange, { ...note });
    return;
  }
  if (note.pacingWaitMs !== undefined) current.pacingWaitMs = (current.pacingWaitMs ?? 0) + note.pacingWaitMs;
  if (note.breakerState !== undefined) current.breakerState = note.breakerState;
}

export function resilienceNote(exchange: Exchange): ResilienceNote | undefined {
  return notes.get(exchange);
}
