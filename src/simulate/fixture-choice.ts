// Picks the fixture a request gets: the `x-simulator-fixture` header wins, else what the body asks for.
import type { IncomingHttpHeaders } from "node:http";
import { firstHeader } from "../pipeline/header-value.ts";
import type { SimulatorDialect } from "./fixture-framing.ts";

export interface FixtureChoice {
  /** Fixture name (`anthropic/anthropic-text`) or exact file. */
  readonly name: string;
  readonly streaming: boolean;
  /** `model` from the body, or "" (used by the synthetic stream). */
  readonly model: string;
}

export type FixtureChoiceResult =
  | { readonly chosen: true; readonly choice: FixtureChoice }
  | { readonly chosen: false; readonly message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseBody(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function hasTools(body: Record<string, unknown>): boolean {
  return Array.isArray(body.tools) && body.tools.length > 0;
}

function wantsThinking(body: Record<string, unknown>): boolean {
  const thinking = body.thinking;
  return thinking !== undefined && thinking !== null && !(isRecord(thinking) && thinking.type === "disabled");
}

function fixtureForBody(
  dialect: SimulatorDialect,
  body: Record<string, unknown>,
  streaming: boolean,
  model: string,
): string {
  if (dialect === "anthropic") {
    if (wantsThinking(body)) return "anthropic/anthropic-clear-thinking.1";
    if (hasTools(body)) return "anthropic/anthropic-json-tool.1";
    return "anthropic/anthropic-text";
  }
  if (model === "deepseek-reasoner") return "deepseek/deepseek-reasoning";
  if (model.startsWith("deepseek-"))
    return hasTools(body) ? "deepseek/deepseek-tool-call" : "deepseek/deepseek-text";
  if (hasTools(body) && !streaming) return "openai/cassette-chat-tools";
  return "openai/openai-text";
}

/**
 * Chooses by, in order: a scripted step's fixture, the `x-simulator-fixture` header, then the body
 * (`stream: true` selects the streaming variant). A body that is not a JSON object is only acceptable
 * when a fixture is named.
 */
export function chooseFixture(
  dialect: SimulatorDialect,
  headers: IncomingHttpHeaders,
  rawBody: string,
  scriptedFixture: string | undefined,
): FixtureChoiceResult {
  const body = parseBody(rawBody);
  const streaming = body?.stream === true;
  const model = typeof body?.model === "string" ? body.model : "";
  const named = scriptedFixture ?? firstHeader(headers, "x-simulator-fixture");
  if (named !== undefined && named !== "") return { chosen: true, choice: { name: named, streaming, model } };
  if (body === undefined) {
    return {
      chosen: false,
      message:
        "The request body is not a JSON object (name a fixture with x-simulator-fixture to send anything else).",
    };
  }
  return {
    chosen: true,
    choice: { name: fixtureForBody(dialect, body, streaming, model), streaming, model },
  };
}
