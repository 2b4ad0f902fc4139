// The WIT interfaces a component exports (`metadata`, `handler`, `provider` of world
// `sync-service`), serving a `FastWasm` app. componentize-js binds them by name: the bundle's
// entry module exports `componentExports(app)`'s three objects.

import { FastWasm } from './app.js';
import { log } from './log.js';
import { HTTPException } from './responses.js';

const UTF8 = new TextEncoder();

/**
 * `{ metadata, handler, provider }` for `app`. `source` names the module that should have
 * exported the app, for the error when it did not.
 */
export function componentExports(app, source = 'the app module') {
  if (!(app instanceof FastWasm)) {
    throw new TypeError(
      `${source} must \`export default\` its FastWasm app: const app = new FastWasm(); ...; export default app;`,
    );
  }
  return {
    metadata: {
      describe: () => app.describe(),
    },
    handler: {
      handle: (record, deps) =>
        settle(`operation ${record.operationId}`, () => wireResponse(app.handle(record.operationId, record, deps))),
    },
    provider: {
      provide: (name, record, deps) =>
        // A provider that returns nothing provides `null`.
        settle(`provider ${name}`, () => JSON.stringify(app.provide(name, record, deps) ?? null)),
      // The response is gone by now: a failing teardown can only be logged, as FastAPI does.
      teardown: (name, value) => {
        try {
          app.teardown(name, JSON.parse(value));
        } catch (error) {
          log.error(`teardown of ${name} failed: ${describe(error)}`);
        }
      },
    },
  };
}

/**
 * The WIT `result` of `compute`: `ok` with its value, `err` for an `HTTPException`. Any other
 * error is logged with its JavaScript stack and answered with a 500, as FastAPI answers an
 * unhandled exception. (Rethrowing would not trap cleanly: componentize-js's bindings take
 * whatever escapes for an `http-error` payload, fail to encode it and abort with a misleading
 * message.)
 */
function settle(what, compute) {
  try {
    return { tag: 'ok', val: compute() };
  } catch (error) {
    if (error instanceof HTTPException) return { tag: 'err', val: wireError(error) };
    log.error(`${what} failed: ${describe(error)}`);
    return { tag: 'err', val: wireError(new HTTPException(500)) };
  }
}

/** An error with its stack, for the log; whatever else was thrown, as text. */
function describe(error) {
  return error instanceof Error && error.stack ? `${error}\n${error.stack}` : String(error);
}

function wireError(error) {
  return { status: error.status, detail: JSON.stringify(error.detail), headers: wireHeaders(error.headers) };
}

function wireResponse(response) {
  return { status: response.status, headers: wireHeaders(response.headers), body: response.body };
}

function wireHeaders(headers) {
  return headers.map(([name, value]) => [name, UTF8.encode(value)]);
}
