// Outbound HTTP from a JavaScript component, for the host's outbound tests.

import { FastWasm, OutboundError, fetchSync, query } from 'fastwasm';

const app = new FastWasm();

app.get('/call', { params: { url: query.str() } }, function call({ url }) {
  try {
    const r = fetchSync(url, { headers: { 'x-guest': 'javascript' } });
    return { status: r.status, content_type: r.headers.get('content-type'), body: r.text() };
  } catch (error) {
    if (error instanceof OutboundError) return { error: error.kind, message: error.message };
    throw error;
  }
});

export default app;
