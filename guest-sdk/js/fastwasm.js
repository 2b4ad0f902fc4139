// fastwasm's JavaScript SDK: FastAPI-style path operations and dependency providers, compiled
// to a WebAssembly component with componentize-js. See README.md.

export { FastWasm } from './src/app.js';
export { body } from './src/body.js';
export { componentExports } from './src/component.js';
export { field } from './src/fields.js';
export { log } from './src/log.js';
export { Store, StoreError } from './src/key_value.js';
export { OutboundError, fetchSync } from './src/outbound.js';
export { cookie, header, path, query } from './src/params.js';
export { Request } from './src/request.js';
export { HTTPException, Response } from './src/responses.js';
