/**
 * The tenant's Custom Webhook log stream, emulated: log events wrapped as Auth0 sends them
 * (`{ log_id, data }`), delivered by HTTP POST with the stream's `Authorization` value, in one of
 * the three content formats (JSON array, JSON lines, or one JSON object per request).
 */
import { hex } from './state';

export type LogStreamFormat = 'JSONARRAY' | 'JSONLINES' | 'JSONOBJECT';

export interface LogStreamSink {
  /** the Payload URL */
  url: string;
  /** the exact Authorization header value */
  authorization: string;
  format?: LogStreamFormat;
}

/** One log event: `type` (`s`, `ss`, `sdu`, `sapi`, `f`, ...), `user_id`, and anything else. */
export type LogEvent = { type: string; user_id?: string } & Record<string, unknown>;

/** A Management API write as Auth0 logs it (`sapi`), on `path` (e.g. `/api/v2/users/auth0%7C1`). */
export function managementWrite(method: string, path: string, description = 'Update a user'): LogEvent {
  return { type: 'sapi', description, details: { request: { method, path }, response: { statusCode: 200 } } };
}

export function deliveryBodies(events: readonly LogEvent[], format: LogStreamFormat): string[] {
  const entries = events.map((data) => ({
    log_id: `9002${Date.now()}${hex().slice(0, 12)}`,
    data: { date: new Date().toISOString(), ...data },
  }));
  switch (format) {
    case 'JSONARRAY':
      return [JSON.stringify(entries)];
    case 'JSONLINES':
      return [entries.map((e) => JSON.stringify(e)).join('\n')];
    case 'JSONOBJECT':
      return entries.map((e) => JSON.stringify(e));
  }
}

/** Posts `events` to the stream; the status of each request. */
export async function postLogEvents(sink: LogStreamSink, events: readonly LogEvent[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const body of deliveryBodies(events, sink.format ?? 'JSONARRAY')) {
    const response = await fetch(sink.url, {
      method: 'POST',
      headers: { authorization: sink.authorization, 'content-type': 'application/json' },
      body,
    });
    await response.arrayBuffer();
    statuses.push(response.status);
  }
  return statuses;
}
