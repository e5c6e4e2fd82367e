/** pino's levels, as LOG_LEVEL accepts them (`silent`: no log line at all). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

/** LOG_LEVEL and LOG_PRETTY, as the configuration validated them. */
export interface LogSettings {
  level: LogLevel;
  pretty: boolean;
}
