// Bench upstream: a fast local "provider" answering every POST with the same ~600-byte chat completion.
import { createServer } from "node:http";

const completion = Buffer.from(
  JSON.stringify({
    id: "chatcmpl-bench-0001",
    object: "chat.completion",
    created: 1764656316,
    model: "deepseek-chat",
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content:
            "Benchmarks measure the proxy, not the model: this answer is fixed so every request costs the upstream the same. It is long enough to look like a short real reply from a chat model, around six hundred bytes in all.",
        },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: {
      prompt_tokens: 13,
      completion_tokens: 48,
      total_tokens: 61,
      prompt_cache_hit_tokens: 0,
      prompt_cache_miss_tokens: 13,
    },
    system_fingerprint: "fp_bench",
  }),
);

/** A DeepSeek-style stream of 24 content chunks and a usage chunk (about 5 KB), sent in one write. */
const streamBody = Buffer.from(
  `${[
    ...Array.from({ length: 24 }, (_, index) =>
      JSON.stringify({
        id: "bench-stream",
        object: "chat.completion.chunk",
        created: 1764656316,
        model: "deepseek-chat",
        choices: [
          {
            index: 0,
            delta: index === 0 ? { role: "assistant", content: "" } : { content: ` word${index}` },
            finish_reason: null,
          },
        ],
      }),
    ),
    JSON.stringify({
      id: "bench-stream",
      object: "chat.completion.chunk",
      created: 1764656316,
      model: "deepseek-chat",
      choices: [{ index: 0, delta: { content: "" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 13, completion_tokens: 24, total_tokens: 37 },
    }),
  ]
    .map((line) => `data: ${line}\n\n`)
    .join("")}data: [DONE]\n\n`,
);

const server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    // A substring test is enough here: bench requests are the bench's own.
    if (Buffer.concat(chunks).includes('"stream":true')) {
      response.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "content-length": streamBody.length,
      });
      response.end(streamBody);
      return;
    }
    response.writeHead(200, { "content-type": "application/json", "content-length": completion.length });
    response.end(completion);
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === "object" && address ? address.port : 0 })}\n`,
  );
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
