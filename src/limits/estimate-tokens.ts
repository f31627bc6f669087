// A cheap up-front token estimate for the tokens-per-minute bucket: input size plus the output ceiling.

const maxTokensPattern = /"max(?:_completion)?_tokens"\s*:\s*(\d+)/;

/**
 * About four bytes of JSON per input token, plus `max_tokens` (or `max_completion_tokens`) for the output.
 * Deliberately no JSON parse on the hot path; the observed usage corrects the bucket afterwards.
 */
export function estimateTokens(body: Buffer): number {
  const input = Math.ceil(body.length / 4);
  // The field sits near the top in practice; a bounded look keeps huge bodies cheap.
  const head = body.toString("utf8", 0, Math.min(body.length, 4096));
  const match =
    maxTokensPattern.exec(head) ?? (body.length > 4096 ? maxTokensPattern.exec(body.toString("utf8")) : null);
  const output = match === null ? 0 : Number(match[1]);
  return input + output;
}
