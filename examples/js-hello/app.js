// `js-hello`: a tour of the JavaScript SDK — typed and constrained parameters, named JSON body
// and response models, a dependency provider with a teardown, errors, statuses, response kinds
// and what the OpenAPI document says of each operation.
//
// Build and serve it from the repository root:
//
//   fastwasm serve examples/js-hello --build
//   curl 'localhost:8000/items/42?q=hello'
//   curl localhost:8000/openapi.json

import { FastWasm, HTTPException, Response, body, cookie, field, header, path, query } from 'fastwasm';

const app = new FastWasm();

app.get('/', () => ({ message: 'Hello World' }));

app.get(
  '/items/{item_id}',
  {
    summary: 'Read one item',
    tags: ['items'],
    params: {
      item_id: path.int({ ge: 1, description: 'The item to read' }),
      q: query.str({ maxLength: 50, optional: true }),
      short: query.bool({ default: false }),
    },
  },
  function readItem({ item_id, q, short }) {
    const item = { item_id, q };
    if (!short) item.description = 'This is an amazing item that has a long description';
    return item;
  },
);

app.get(
  '/items',
  {
    tags: ['items'],
    params: {
      skip: query.int({ default: 0, ge: 0, description: 'Items to skip' }),
      limit: query.int({ default: 10, ge: 1, le: 100 }),
      tag: query.list('str'),
    },
  },
  function listItems({ skip, limit, tag }) {
    return { skip, limit, tags: tag };
  },
);

/** An item, as FastAPI's tutorial models it. */
const itemFields = {
  name: field.str({ minLength: 1 }),
  price: field.number({ gt: 0 }),
  description: field.str({ optional: true }),
  tags: field.list(field.str(), { default: [] }),
};
// Titled, the model is declared once in the OpenAPI document, as `Item`, and referred to.
const Item = body.model(itemFields, { title: 'Item' });

// The response model declares the answer's schema and shapes it: unknown keys are dropped.
app.post(
  '/items',
  { status: 201, tags: ['items'], params: { item: Item }, responseModel: Item },
  function createItem({ item }) {
    return item;
  },
);

// Express-style path syntax works too; the answer picks its own status and headers. The
// response model nests the item (under `$defs`), and the 404 is declared for the document.
app.put(
  '/items/:item_id',
  {
    tags: ['items'],
    params: { item_id: path.int({ ge: 1 }), item: Item },
    responseModel: field.model(
      { item_id: field.int(), item: field.model(itemFields, { title: 'Item' }) },
      { title: 'ReplacedItem' },
    ),
    responses: { 404: { description: 'Item not found' } },
  },
  function replaceItem({ item_id, item }) {
    if (item_id > 1000) {
      throw new HTTPException(404, 'Item not found', { 'x-error': 'there goes my error' });
    }
    return Response.json({ item_id, item }, { status: 202, headers: { 'x-item-id': String(item_id) } });
  },
);

app.delete(
  '/items/{item_id}',
  { status: 204, tags: ['items'], params: { item_id: path.int() }, operationId: 'remove_item' },
  function deleteItem() {},
);

// A database session per request, closed after the response: FastAPI's `yield` dependency.
// Each step writes a line to stdout, so the server log shows what ran and in which order.
app.provider(
  'db',
  {
    params: { x_request_id: header.str({ default: 'none' }) },
    teardown: (session) => console.log(`close db rid=${session.request_id}`),
  },
  ({ x_request_id }) => {
    console.log(`open db rid=${x_request_id}`);
    return { request_id: x_request_id };
  },
);

app.get(
  '/users/{username}',
  {
    params: { username: path.str({ minLength: 3, maxLength: 20, pattern: '^[a-z0-9_]+$' }) },
    dependencies: ['db'],
  },
  function readUser({ username }, { db }) {
    console.log(`handler readUser rid=${db.request_id}`);
    if (username === 'root') {
      throw new HTTPException(403, 'Not your business', { 'www-authenticate': 'Bearer' });
    }
    return { username, session: db.request_id };
  },
);

// Fails after its dependency was provided: the teardown still runs, the client gets a 500.
// A demonstration, not part of the API: the OpenAPI document leaves it out.
app.get('/broken', { dependencies: ['db'], includeInSchema: false }, function broken(_params, { db }) {
  console.log(`handler broken rid=${db.request_id}`);
  throw new Error('the handler failed after opening a session');
});

// Headers: `user_agent` reads `user-agent`; `token` reads `x-token`. A cookie too.
app.get(
  '/whoami',
  {
    params: {
      user_agent: header.str({ optional: true }),
      token: header.str({ alias: 'x-token', optional: true }),
      session: cookie.str({ optional: true }),
    },
  },
  function whoami({ user_agent, token, session }) {
    return { user_agent, token, session };
  },
);

// `*file_path` (or `{file_path:path}`) takes the rest of the path.
app.get('/files/*file_path', function readFile({ file_path }) {
  return { file_path };
});

// Still served; the document marks it deprecated.
app.get('/text', { deprecated: true }, () => 'Hello, plain text');

app.get('/html', () => Response.html('<h1>Hello, HTML</h1>'));

app.post('/echo', function echo(_params, _deps, request) {
  return new Response(request.body, {
    mediaType: request.header('content-type') ?? 'application/octet-stream',
    headers: { 'x-method': request.method, 'x-query': request.query },
  });
});

export default app;
