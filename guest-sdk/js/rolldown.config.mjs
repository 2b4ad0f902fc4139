// Bundles a fastwasm JavaScript app into the single module componentize-js compiles:
//
//   rolldown -c "$FASTWASM_JS_SDK/rolldown.config.mjs" --input app.js --file build/app.js
//
// `import ... from 'fastwasm'` resolves to this SDK, npm packages resolve from the app's
// node_modules, and the app module's default export (its `FastWasm`) becomes the component's
// `metadata`, `handler` and `provider` exports.

import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SDK = fileURLToPath(new URL('./fastwasm.js', import.meta.url));
// Rollup's convention for modules that exist only in the bundler: a leading NUL.
const ENTRY = '\0fastwasm-entry:';

/** Wraps each entry module in one that exports the component interfaces of its default export. */
const componentEntry = {
  name: 'fastwasm-component-entry',
  resolveId(source, _importer, { isEntry }) {
    if (isEntry && !source.startsWith(ENTRY)) return ENTRY + resolve(source);
    return null;
  },
  load(id) {
    if (!id.startsWith(ENTRY)) return null;
    const app = id.slice(ENTRY.length);
    return [
      `import app from ${JSON.stringify(app)};`,
      `import { componentExports } from 'fastwasm';`,
      `export const { metadata, handler, provider } = componentExports(app, ${JSON.stringify(basename(app))});`,
    ].join('\n');
  },
};

export default {
  // The host interfaces are imported by WIT name; componentize-js provides them.
  external: [/^fastwasm:app\//],
  resolve: { alias: { fastwasm: SDK } },
  plugins: [componentEntry],
  output: { format: 'esm' },
};
