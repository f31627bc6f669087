// The simulator's own API under /_simulator/: set the fault script, read and clear the request log.
import type { ServerResponse } from "node:http";
import { parseFaultScript } from "./fault-script.ts";

export const controlPrefix = "/_simulator/";

/** What the control API may touch on the running simulator. */
export interface ControlTarget {
  readonly requests: readonly unknown[];
  script(steps: unknown): void;
  pendingSteps(): readonly unknown[];
  reset(): void;
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
  });
  response.end(body);
}

/**
 * `POST /_simulator/script` replaces the script with a JSON array of steps; `GET` shows what is left.
 * `GET /_simulator/requests` returns the log; `DELETE /_simulator/requests` resets log and script.
 */
export function handleControl(
  target: ControlTarget,
  method: string,
  path: string,
  body: string,
  response: ServerResponse,
): void {
  const route = `${method} ${path}`;
  if (route === "POST /_simulator/script") {
    let steps: unknown[];
    try {
      steps = parseFaultScript(JSON.parse(body));
    } catch (error) {
      sendJson(response, 400, { error: error instanceof Error ? error.message : String(error) });
      return;
    }
    target.script(steps);
    sendJson(response, 200, { steps: steps.length });
    return;
  }
  if (route === "GET /_simulator/script") {
    sendJson(response, 200, target.pendingSteps());
  } else if (route === "GET /_simulator/requests") {
    sendJson(response, 200, target.requests);
  } else if (route === "DELETE /_simulator/requests") {
    target.reset();
    sendJson(response, 200, { reset: true });
  } else {
    sendJson(response, 404, {
      error: `unknown control route ${route}; try POST /_simulator/script, GET or DELETE /_simulator/requests`,
    });
  }
}
