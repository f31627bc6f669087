// The standard request (outrigger.v1): one provider-neutral chat request every dialect converts through.
import { z } from "zod";
import { ProxyError } from "../errors/proxy-error.ts";

export interface StandardTextPart {
  readonly type: "text";
  readonly text: string;
}

/** An image given inline (base64) or by URL; a `data:` URL is kept as a URL. */
export interface StandardImagePart {
  readonly type: "image";
  readonly source:
    | { readonly kind: "base64"; readonly mediaType: string; readonly data: string }
    | { readonly kind: "url"; readonly url: string };
  /** OpenAI's `detail` hint (`auto | low | high`); Anthropic has no equivalent. */
  readonly detail?: string;
}

/** A call the assistant made; `arguments` is the JSON text exactly as the model wrote it. */
export interface StandardToolCallPart {
  readonly type: "tool-call";
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

export interface StandardToolResultPart {
  readonly type: "tool-result";
  readonly toolCallId: string;
  readonly content: readonly (StandardTextPart | StandardImagePart)[];
  readonly isError?: boolean;
}

/** Model reasoning; `signature` / `redacted` are Anthropic's opaque proofs, absent elsewhere. */
export interface StandardReasoningPart {
  readonly type: "reasoning";
  readonly text: string;
  readonly signature?: string;
  readonly redacted?: string;
}

export type StandardPart =
  | StandardTextPart
  | StandardImagePart
  | StandardToolCallPart
  | StandardToolResultPart
  | StandardReasoningPart;

/**
 * Tool results travel in `user` messages (Anthropic's shape); OpenAI `role: tool` messages map to them in order.
 * A `system` message appears only after the conversation started; leading system text is `StandardRequest.system`.
 */
export interface StandardMessage {
  readonly role: "user" | "assistant" | "system";
  readonly parts: readonly StandardPart[];
}

export interface StandardTool {
  readonly name: string;
  readonly description?: string;
  /** JSON Schema of the arguments (Anthropic `input_schema`, OpenAI `function.parameters`). */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** OpenAI `function.strict`. */
  readonly strict?: boolean;
}

export type StandardToolChoice =
  | { readonly type: "auto" }
  | { readonly type: "required" }
  | { readonly type: "none" }
  | { readonly type: "tool"; readonly name: string };

/** Extended reasoning: Anthropic `thinking.budget_tokens` ⇄ OpenAI `reasoning_effort`. */
export interface StandardReasoningOptions {
  readonly enabled: boolean;
  readonly budgetTokens?: number;
  readonly effort?: "minimal" | "low" | "medium" | "high";
}

export interface StandardRequest {
  readonly model: string;
  readonly system?: readonly StandardTextPart[];
  readonly messages: readonly StandardMessage[];
  readonly tools?: readonly StandardTool[];
  readonly toolChoice?: StandardToolChoice;
  /** False when the client forbade parallel tool calls (Anthropic `disable_parallel_tool_use`). */
  readonly parallelToolCalls?: boolean;
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  /** Anthropic only; OpenAI has no top-k. */
  readonly topK?: number;
  readonly stop?: readonly string[];
  readonly stream: boolean;
  /** OpenAI `stream_options.include_usage`: the client wants a usage trailer chunk. */
  readonly streamUsage?: boolean;
  readonly reasoning?: StandardReasoningOptions;
  /** End-user id (Anthropic `metadata.user_id`, OpenAI `user`). */
  readonly metadata?: { readonly user?: string };
}

const textPart = z.object({ type: z.literal("text"), text: z.string() });
const imagePart = z.object({
  type: z.literal("image"),
  source: z.union([
    z.object({ kind: z.literal("base64"), mediaType: z.string().min(1), data: z.string() }),
    z.object({ kind: z.literal("url"), url: z.string().min(1) }),
  ]),
  detail: z.string().optional(),
});
const partSchema = z.discriminatedUnion("type", [
  textPart,
  imagePart,
  z.object({
    type: z.literal("tool-call"),
    id: z.string().min(1),
    name: z.string().min(1),
    arguments: z.string(),
  }),
  z.object({
    type: z.literal("tool-result"),
    toolCallId: z.string().min(1),
    content: z.array(z.discriminatedUnion("type", [textPart, imagePart])),
    isError: z.boolean().optional(),
  }),
  z.object({
    type: z.literal("reasoning"),
    text: z.string(),
    signature: z.string().optional(),
    redacted: z.string().optional(),
  }),
]);

/** Validates a standard request arriving from outside (NDJSON/protobuf clients, tests) at the edge. */
export const standardRequestSchema: z.ZodType<StandardRequest> = z.strictObject({
  model: z.string().min(1),
  system: z.array(textPart).optional(),
  messages: z.array(z.object({ role: z.enum(["user", "assistant", "system"]), parts: z.array(partSchema) })),
  tools: z
    .array(
      z.object({
        name: z.string().min(1),
        description: z.string().optional(),
        parameters: z.record(z.string(), z.unknown()),
        strict: z.boolean().optional(),
      }),
    )
    .optional(),
  toolChoice: z
    .discriminatedUnion("type", [
      z.object({ type: z.literal("auto") }),
      z.object({ type: z.literal("required") }),
      z.object({ type: z.literal("none") }),
      z.object({ type: z.literal("tool"), name: z.string().min(1) }),
    ])
    .optional(),
  parallelToolCalls: z.boolean().optional(),
  maxTokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).optional(),
  topP: z.number().min(0).max(1).optional(),
  topK: z.number().int().positive().optional(),
  stop: z.array(z.string()).optional(),
  stream: z.boolean(),
  streamUsage: z.boolean().optional(),
  reasoning: z
    .object({
      enabled: z.boolean(),
      budgetTokens: z.number().int().positive().optional(),
      effort: z.enum(["minimal", "low", "medium", "high"]).optional(),
    })
    .optional(),
  metadata: z.object({ user: z.string().optional() }).optional(),
});

/** Parses an untrusted value into a StandardRequest or throws a 400 naming the first bad field. */
export function parseStandardRequest(value: unknown): StandardRequest {
  const result = standardRequestSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue === undefined || issue.path.length === 0 ? "request" : issue.path.join(".");
  throw new ProxyError("bad_request", `Invalid standard request: ${field}: ${issue?.message ?? "invalid"}`);
}
