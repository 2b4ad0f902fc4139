// The JavaScript component of `examples/polyglot`: book reviews. Writing one needs the caller,
// whom the Rust component's `current-user` provider names.

import { FastWasm, HTTPException, body, field, path } from 'fastwasm';

const app = new FastWasm({
  tags: [
    { name: 'reviews', description: 'What readers say, written by signed-in users.' },
    // The catalog component describes its tag first: its description stands.
    { name: 'catalog', description: 'Books.' },
  ],
});

/** Reviews by book id; a component instance serves one request, so this is the seed data. */
const REVIEWS = {
  1: [{ username: 'bob', stars: 4, text: 'Dense, but worth it.' }],
  2: [],
};

app.get(
  '/reviews/{book_id}',
  { tags: ['reviews'], params: { book_id: path.int({ ge: 1 }) } },
  function listReviews({ book_id }) {
    const reviews = REVIEWS[book_id];
    if (reviews === undefined) throw new HTTPException(404, 'Book not found');
    return { book_id, reviews };
  },
);

const Review = body.model({
  stars: field.int({ ge: 1, le: 5 }),
  text: field.str({ maxLength: 500, default: '' }),
});

app.post(
  '/reviews/{book_id}',
  {
    status: 201,
    tags: ['reviews'],
    params: { book_id: path.int({ ge: 1 }), review: Review },
    dependencies: { user: 'current-user' },
  },
  function writeReview({ book_id, review }, { user }) {
    if (REVIEWS[book_id] === undefined) throw new HTTPException(404, 'Book not found');
    return { book_id, username: user.username, ...review };
  },
);

export default app;
