// An independent oracle: what a fixture says (text, tool calls, usage, finish), read straight from its lines.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { fixturesDirectory } from "../../src/simulate/fixture-store.ts";

export interface ExpectedToolCall {
  id?: string;
  name: string;
  arguments: string;
}

export interface Expected {
  text: string;
  reasoning: string;
  toolCalls: ExpectedToolCall[];
  usage: Record<string, number>;
  finish?: string;
  model?: string;
}

type Json = Record<string, unknown>;

export function fixturePath(name: string): string {
  return join(fixturesDirectory(), name);
}

export function fixtureLines(name: string): Json[] {
  return readFileSync(fixturePath(name), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Json);
}

/** The `data:` payloads of a raw SSE file (Anthropic sdk-*.txt, openai-compatible/*.sse). */
export function rawSsePayloads(name: string): Json[] {
  return readFileSync(fixturePath(name), "utf8")
    .split(/\r?\n/)
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).trim())
    .filter((data) => data !== "[DONE]" && data !== "")
    .map((data) => JSON.parse(data) as Json);
}

export function anthropicExpected(events: Json[]): Expected {
  const expected: Expected = { text: "", reasoning: "", toolCalls: [], usage: {} };
  const tools = new Map<number, ExpectedToolCall>();
  const mergeUsage = (usage: unknown): void => {
    for (const [key, value] of Object.entries((usage as Json | undefined) ?? {})) {
      if (typeof value === "number") expected.usage[key] = value;
    }
  };
  for (const event of events) {
    if (event.type === "message_start") {
      const message = event.message as Json;
      expected.model = message.model as string;
      mergeUsage(message.usage);
    } else if (event.type === "content_block_start") {
      const block = event.content_block as Json;
      if (block.type === "tool_use") {
        tools.set(event.index as number, {
          id: block.id as string,
          name: block.name as string,
          arguments: "",
        });
      }
    } else if (event.type === "content_block_delta") {
      const delta = event.delta as Json;
      if (delta.type === "text_delta") expected.text += delta.text as string;
      if (delta.type === "thinking_delta") expected.reasoning += delta.thinking as string;
      if (delta.type === "input_json_delta") {
        const tool = tools.get(event.index as number);
        if (tool !== undefined) tool.arguments += delta.partial_json as string;
      }
    } else if (event.type === "message_delta") {
      const delta = event.delta as Json;
      if (typeof delta.stop_reason === "string") expected.finish = delta.stop_reason;
      mergeUsage(event.usage);
    }
  }
  expected.toolCalls = [...tools.values()];
  return expected;
}

/** An OpenAI usage object's numbers, with reasoning and cached tokens lifted from their details. */
function readOpenAIUsage(usage: Json, into: Record<string, number>): void {
  for (const [key, value] of Object.entries(usage)) {
    if (typeof value === "number") into[key] = value;
  }
  const details = usage.completion_tokens_details as Json | undefined;
  if (typeof details?.reasoning_tokens === "number") into.reasoning_tokens = details.reasoning_tokens;
  const promptDetails = usage.prompt_tokens_details as Json | undefined;
  if (typeof promptDetails?.cached_tokens === "number") into.cached_tokens = promptDetails.cached_tokens;
}

export function openaiExpected(chunks: Json[]): Expected {
  const expected: Expected = { text: "", reasoning: "", toolCalls: [], usage: {} };
  const tools = new Map<number, ExpectedToolCall>();
  for (const chunk of chunks) {
    if (typeof chunk.model === "string") expected.model = chunk.model;
    if (chunk.usage !== null && typeof chunk.usage === "object")
      readOpenAIUsage(chunk.usage as Json, expected.usage);
    for (const choice of (chunk.choices as Json[] | undefined) ?? []) {
      const delta = (choice.delta as Json | undefined) ?? {};
      if (typeof delta.content === "string") expected.text += delta.content;
      if (typeof delta.reasoning_content === "string") expected.reasoning += delta.reasoning_content;
      for (const call of (delta.tool_calls as Json[] | undefined) ?? []) {
        const index = call.index as number;
        const fn = (call.function as Json | undefined) ?? {};
        let tool = tools.get(index);
        if (tool === undefined) {
          tool = { name: "", arguments: "" };
          tools.set(index, tool);
        }
        if (typeof call.id === "string") tool.id = call.id;
        if (typeof fn.name === "string") tool.name += fn.name;
        if (typeof fn.arguments === "string") tool.arguments += fn.arguments;
      }
      if (typeof choice.finish_reason === "string") expected.finish = choice.finish_reason;
    }
  }
  expected.toolCalls = [...tools.values()];
  return expected;
}

/**
 * Every numeric field under `usage`, nested ones by dotted path (`prompt_tokens_details.cached_tokens`,
 * `iterations.1.output_tokens`), a later report of a field replacing an earlier one as the provider means.
 */
function flattenUsage(usage: unknown, into: Record<string, number>, prefix = ""): void {
  if (usage === null || typeof usage !== "object") return;
  for (const [key, value] of Object.entries(usage as Json)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (typeof value === "number") into[path] = value;
    else flattenUsage(value, into, path);
  }
}

/** The usage fields an Anthropic stream (or a body as message_start + message_delta) reports, as it ends. */
export function anthropicUsageFields(events: Json[]): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const event of events) {
    if (event.type === "message_start") flattenUsage((event.message as Json | undefined)?.usage, fields);
    else if (event.type === "message_delta") flattenUsage(event.usage, fields);
  }
  return fields;
}

/** The usage fields an OpenAI-style stream's chunks (or one completion body) report, as it ends. */
export function openaiUsageFields(chunks: Json[]): Record<string, number> {
  const fields: Record<string, number> = {};
  for (const chunk of chunks) flattenUsage(chunk.usage, fields);
  return fields;
}

/** A non-streaming Anthropic Messages body: its text, thinking and client tool_use blocks, as recorded. */
export function anthropicMessageExpected(body: Json): Expected {
  const expected: Expected = { text: "", reasoning: "", toolCalls: [], usage: {} };
  if (typeof body.model === "string") expected.model = body.model;
  if (typeof body.stop_reason === "string") expected.finish = body.stop_reason;
  for (const block of (body.content as Json[] | undefined) ?? []) {
    if (block.type === "text") expected.text += block.text as string;
    if (block.type === "thinking") expected.reasoning += block.thinking as string;
    if (block.type === "tool_use") {
      expected.toolCalls.push({
        id: block.id as string,
        name: block.name as string,
        arguments: JSON.stringify(block.input ?? {}),
      });
    }
  }
  for (const [key, value] of Object.entries((body.usage as Json | undefined) ?? {})) {
    if (typeof value === "number") expected.usage[key] = value;
  }
  return expected;
}

/** A non-streaming Chat Completions body: the first choice's message, as recorded. */
export function openaiCompletionExpected(body: Json): Expected {
  const expected: Expected = { text: "", reasoning: "", toolCalls: [], usage: {} };
  if (typeof body.model === "string") expected.model = body.model;
  const [choice] = (body.choices as Json[] | undefined) ?? [];
  const message = (choice?.message as Json | undefined) ?? {};
  if (typeof message.content === "string") expected.text = message.content;
  if (typeof message.reasoning_content === "string") expected.reasoning = message.reasoning_content;
  for (const call of (message.tool_calls as Json[] | undefined) ?? []) {
    const fn = (call.function as Json | undefined) ?? {};
    expected.toolCalls.push({
      id: call.id as string,
      name: fn.name as string,
      arguments: fn.arguments as string,
    });
  }
  if (typeof choice?.finish_reason === "string") expected.finish = choice.finish_reason;
  // The same keys openaiExpected gives a stream's usage trailer.
  readOpenAIUsage((body.usage as Json | undefined) ?? {}, expected.usage);
  return expected;
}

/** The response body the first interaction of a recorded cassette (openai/cassette-*.yaml) holds. */
export function cassetteResponseBody(name: string): string {
  const document = parseYaml(readFileSync(fixturePath(name), "utf8")) as Json;
  const [interaction] = (document.interactions as Json[] | undefined) ?? [];
  const response = (interaction?.response as Json | undefined) ?? {};
  return String(response.body ?? "");
}
