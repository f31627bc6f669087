// The one shape both inbound checks share: a presented token in, a verdict with a client-safe reason out.

export type TokenVerdict =
  | { readonly ok: true; readonly subject?: string }
  | { readonly ok: false; readonly reason: string };

export interface TokenVerifier {
  verify(token: string): Promise<TokenVerdict>;
}
