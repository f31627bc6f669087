// An OTLP/HTTP trace receiver on a real socket for tests: decodes what the exporter sends, JSON or protobuf.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import protobuf from "protobufjs";

/** The OTLP trace messages (opentelemetry-proto, trace/v1 and common/v1), as far as the tests read them. */
const otlpProto = `
syntax = "proto3";
package otlp;
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; }
message Status { string message = 2; int32 code = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; fixed32 flags = 16;
  string name = 5; int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10; repeated Event events = 11;
  Status status = 15;
}
`;
const exportRequest = protobuf
  .parse(otlpProto, { keepCase: false })
  .root.lookupType("otlp.ExportTraceServiceRequest");

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  readonly kind: number;
  /** Nanoseconds since the epoch (as bigint: they exceed 2^53). */
  readonly start: bigint;
  readonly end: bigint;
  readonly attributes: Record<string, unknown>;
  readonly events: readonly { readonly name: string; readonly time: bigint }[];
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  /** The status description ("" when none was set). */
  readonly statusMessage: string;
  readonly resource: Record<string, unknown>;
}

export interface ReceivedExport {
  readonly contentType: string;
  readonly body: Buffer;
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:PORT` — the OTLP base endpoint; traces arrive at `/v1/traces`. */
  readonly url: string;
  readonly spans: ReceivedSpan[];
  readonly exports: ReceivedExport[];
  /** Resolves once `predicate` holds for the spans received so far (polls; fails after `timeout` ms). */
  waitFor(predicate: (spans: readonly ReceivedSpan[]) => boolean, timeout?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

type Plain = Record<string, unknown>;

function hex(value: unknown): string {
  if (typeof value === "string") return value.toLowerCase();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  return "";
}

function nanos(value: unknown): bigint {
  if (typeof value === "string" || typeof value === "number") return BigInt(value);
  if (typeof value === "bigint") return value;
  return 0n;
}

function anyValue(value: Plain | undefined): unknown {
  if (value === undefined) return undefined;
  if ("stringValue" in value) return value.stringValue;
  if ("boolValue" in value) return value.boolValue;
  if ("intValue" in value) return Number(value.intValue);
  if ("doubleValue" in value) return Number(value.doubleValue);
  if ("arrayValue" in value) {
    const values = ((value.arrayValue as Plain | undefined)?.values ?? []) as Plain[];
    return values.map((entry) => anyValue(entry));
  }
  return undefined;
}

function attributeMap(list: unknown): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const entry of (list ?? []) as Plain[]) result[String(entry.key)] = anyValue(entry.value as Plain);
  return result;
}

/** Both encodings reduced to the same plain shape (protobufjs with camelCase, OTLP/JSON's lowerCamelCase). */
function spansOf(request: Plain): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of (request.resourceSpans ?? []) as Plain[]) {
    const resource = attributeMap((resourceSpans.resource as Plain | undefined)?.attributes);
    for (const scopeSpans of (resourceSpans.scopeSpans ?? []) as Plain[]) {
      for (const span of (scopeSpans.spans ?? []) as Plain[]) {
        spans.push({
          traceId: hex(span.traceId),
          spanId: hex(span.spanId),
          parentSpanId: hex(span.parentSpanId),
          name: String(span.name),
          kind: Number(span.kind ?? 0),
          start: nanos(span.startTimeUnixNano),
          end: nanos(span.endTimeUnixNano),
          attributes: attributeMap(span.attributes),
          events: ((span.events ?? []) as Plain[]).map((event) => ({
            name: String(event.name),
            time: nanos(event.timeUnixNano),
          })),
          statusCode: Number((span.status as Plain | undefined)?.code ?? 0),
          statusMessage: String((span.status as Plain | undefined)?.message ?? ""),
          resource,
        });
      }
    }
  }
  return spans;
}

function decode(contentType: string, body: Buffer): ReceivedSpan[] {
  if (contentType.startsWith("application/json")) return spansOf(JSON.parse(body.toString("utf8")) as Plain);
  const message = exportRequest.decode(body);
  return spansOf(exportRequest.toObject(message, { longs: String, bytes: Buffer, defaults: false }) as Plain);
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const exports: ReceivedExport[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      const contentType = request.headers["content-type"] ?? "";
      if (request.method !== "POST" || request.url !== "/v1/traces") {
        response.writeHead(404).end();
        return;
      }
      try {
        spans.push(...decode(contentType, body));
        exports.push({ contentType, body });
      } catch (error) {
        response.writeHead(400, { "content-type": "text/plain" }).end(String(error));
        return;
      }
      // An empty ExportTraceServiceResponse: `{}` in JSON, zero bytes in protobuf.
      if (contentType.startsWith("application/json")) {
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      } else {
        response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    exports,
    async waitFor(predicate, timeout = 10_000) {
      const deadline = Date.now() + timeout;
      while (!predicate(spans)) {
        if (Date.now() > deadline)
          throw new Error(
            `spans not received in ${timeout} ms: ${spans.map((span) => span.name).join(", ")}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return spans;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Points the OpenTelemetry exporter of sidecars started from here on at `receiver` through the standard
 * variables; the returned function restores the environment as it was.
 */
export function exportTracesTo(
  receiver: OtlpReceiver,
  settings: { protocol?: string; scheduleDelay?: number; serviceName?: string } = {},
): () => void {
  const saved = { ...process.env };
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
  process.env.OTEL_EXPORTER_OTLP_PROTOCOL = settings.protocol ?? "http/json";
  process.env.OTEL_BSP_SCHEDULE_DELAY = String(settings.scheduleDelay ?? 50);
  if (settings.serviceName !== undefined) process.env.OTEL_SERVICE_NAME = settings.serviceName;
  return () => {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  };
}
