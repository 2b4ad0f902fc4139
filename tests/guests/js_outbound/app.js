// Outbound HTTP and key-value stores from a JavaScript component, for the host's outbound and
// state tests.

import { FastWasm, OutboundError, Store, StoreError, fetchSync, path, query } from 'fastwasm';

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

const store = Store.open('default');

app.post('/js/counters/{name}', { params: { name: path.str() } }, function increment({ name }) {
  const value = store.increment(`js:${name}`);
  store.setJson(`js-last:${name}`, { value });
  return { name, value, last: store.getJson(`js-last:${name}`), keys: store.keys('js-last:') };
});

app.get('/js/denied', {}, function denied() {
  try {
    Store.open('elsewhere').get('x');
    return { error: null };
  } catch (error) {
    if (error instanceof StoreError) return { error: error.kind, message: error.message };
    throw error;
  }
});

export default app;
