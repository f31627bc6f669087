// Builds one handler from a list of stages, outermost first.
import type { Handler, Stage } from "./stage.ts";

export function compose(stages: readonly Stage[], terminal: Handler): Handler {
  return stages.reduceRight<Handler>((next, stage) => stage(next), terminal);
}
