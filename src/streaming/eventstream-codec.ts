// AWS eventstream framing (@smithy/eventstream-codec), loaded on first use: only Bedrock sends it.
import { createRequire } from "node:module";

type CodecModule = typeof import("@smithy/eventstream-codec");
type Utf8Module = typeof import("@smithy/util-utf8");
export type EventStreamCodec = InstanceType<CodecModule["EventStreamCodec"]>;
export type EventStreamMessage = ReturnType<EventStreamCodec["decode"]>;

const require = createRequire(import.meta.url);
let modules: { codec: CodecModule; utf8: Utf8Module } | undefined;

/** The @smithy modules cost several megabytes resident; a pod that never talks to Bedrock never loads them. */
function load(): { codec: CodecModule; utf8: Utf8Module } {
  modules ??= {
    codec: require("@smithy/eventstream-codec") as CodecModule,
    utf8: require("@smithy/util-utf8") as Utf8Module,
  };
  return modules;
}

export function createEventStreamCodec(): EventStreamCodec {
  const { codec, utf8 } = load();
  return new codec.EventStreamCodec(utf8.toUtf8, utf8.fromUtf8);
}

/** UTF-8 bytes → text, as the codec's own helper does it. */
export function eventStreamText(bytes: Uint8Array): string {
  return load().utf8.toUtf8(bytes);
}
