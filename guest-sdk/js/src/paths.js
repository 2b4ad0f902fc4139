// Path templates in either style: FastAPI's `/items/{item_id}` and `/files/{file_path:path}`,
// or Express's `/items/:item_id` and `/files/*file_path`. The host routes on the first form;
// the second is rewritten to it.

/** `template` in the host's `{name}` syntax, and the names of its parameters in path order. */
export function parseTemplate(template) {
  if (typeof template !== 'string' || !template.startsWith('/')) {
    throw new TypeError(`path ${JSON.stringify(template)} must be a string starting with \`/\``);
  }
  const segments = template.split('/').map((segment) => {
    if (segment.startsWith(':')) return `{${segment.slice(1)}}`;
    if (segment.startsWith('*')) return `{${segment.slice(1)}:path}`;
    return segment;
  });
  const params = segments.flatMap((segment) => /^\{([^}:]+)(?::path)?\}$/.exec(segment)?.[1] ?? []);
  return { path: segments.join('/'), params };
}
