// Structured logs through the host, which tags each record with the component and operation.
// (`console.log` lands in the host log too, as plain stdout lines.)

import { log as hostLog } from 'fastwasm:app/host@0.1.0';

const record = (level) => (message) => hostLog(level, String(message));

/** `log.info('opened db')`: one record per call, at the named level. */
export const log = Object.freeze({
  trace: record('trace'),
  debug: record('debug'),
  info: record('info'),
  warn: record('warn'),
  error: record('error'),
});
