// Per-exchange facts the resilience and pacing stages know and spans report: pacing wait, breaker state.
import type { Exchange, Observation } from "../pipeline/exchange.ts";

export interface ResilienceNote {
  /** Milliseconds this exchange waited in pacing, summed over its attempts. */
  pacingWaitMs?: number;
  /** The provider's circuit breaker state when the last attempt was let through (`closed`, `half-open` …). */
  breakerState?: string;
}

// A WeakMap keeps the Exchange contract unchanged and lets a note go with its exchange. Keyed by the
// observation, which a fallback's copy of the exchange shares with the original.
const notes = new WeakMap<Observation, ResilienceNote>();

// Only spans read notes: without tracing, noting is a no-op, so the disabled path allocates nothing.
let enabled = false;

/** Called when tracing starts in this process. */
export function enableResilienceNotes(): void {
  enabled = true;
}

/** Merges `note` into what is known about `exchange`; a pacing wait adds up across attempts. */
export function noteResilience(exchange: Exchange, note: ResilienceNote): void {
  if (!enabled) return;
  const current = notes.get(exchange.observed);
  if (current === undefined) {
    notes.set(exchange.observed, { ...note });
    return;
  }
  if (note.pacingWaitMs !== undefined) current.pacingWaitMs = (current.pacingWaitMs ?? 0) + note.pacingWaitMs;
  if (note.breakerState !== undefined) current.breakerState = note.breakerState;
}

export function resilienceNote(exchange: Exchange): ResilienceNote | undefined {
  return notes.get(exchange.observed);
}
