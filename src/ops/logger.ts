/**
 * The service's winston logger: JSON lines by default (for log shippers), readable lines for
 * `pretty` (for people), and redaction applied to the message and every meta field of every entry,
 * so no call site has to remember to mask emails or tokens.
 */
import type { Writable } from 'node:stream';
import winston from 'winston';
import { Redactor } from './redact.js';
import type { LogFormat, LogLevel } from '../config.js';

export type Logger = winston.Logger;

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Secret values to mask; ignored when `redactor` is given. */
  secrets?: Iterable<string>;
  /** A shared redactor, so secrets learnt later (OAuth tokens) are masked too. */
  redactor?: Redactor;
  /** Where lines go; stdout by default. */
  stream?: Writable;
  /** Colour the level in `pretty`; default: only when the stream is a terminal. */
  colors?: boolean;
  /** The clock for timestamps (tests inject a fixed one). */
  now?: () => Date;
}

const { combine, timestamp, json, printf, colorize, errors } = winston.format;

/** Redacts every enumerable field of the entry; winston's own Symbol-keyed fields are left alone. */
const redactFormat = (redactor: Redactor) =>
  winston.format((info) => {
    const record = info as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (key === 'level') continue;
      record[key] = redactor.value(record[key]);
    }
    return info;
  })();

/** `2024-01-01T00:00:00.000Z info message {"meta":1}`, the stack on the following lines. */
const prettyLine = printf((info) => {
  const { level, message, timestamp: ts, stack, ...meta } = info as Record<string, unknown>;
  const text = typeof message === 'string' ? message : JSON.stringify(message);
  const rest = Object.keys(meta).length ? ` ${JSON.stringify(meta)}` : '';
  const trace = typeof stack === 'string' ? `\n${stack}` : '';
  return `${String(ts)} ${String(level)} ${text}${rest}${trace}`;
});

export function createLogger(options: LoggerOptions): Logger {
  const redactor = options.redactor ?? new Redactor(options.secrets ?? []);
  const stream = options.stream ?? process.stdout;
  const now = options.now ?? (() => new Date());
  const colors = options.colors ?? Boolean((stream as Writable & { isTTY?: boolean }).isTTY);

  const shape =
    options.format === 'pretty'
      ? combine(...(colors ? [colorize({ level: true })] : []), prettyLine)
      : json();

  const logger = winston.createLogger({
    level: options.level,
    // errors() first: it turns `logger.error(err)` into message + stack, which are then redacted.
    format: combine(
      errors({ stack: true }),
      redactFormat(redactor),
      timestamp({ format: () => now().toISOString() }),
      shape,
    ),
    transports: [new winston.transports.Stream({ stream })],
    exitOnError: false,
  });
  // winston's own check rebuilds the transport list on every call; this logger's one transport has no
  // level of its own, so the logger's level decides, and asking costs two look-ups.
  const { levels } = logger;
  logger.isLevelEnabled = function (this: Logger, level: string): boolean {
    const given = levels[level];
    const configured = levels[this.level];
    return given !== undefined && configured !== undefined && configured >= given;
  };
  // winston formats (and here redacts) every entry before its transport drops the ones below the
  // level: a debug line per event would cost more than the event. Check the level first.
  const methods = logger as unknown as Record<string, (...args: unknown[]) => Logger>;
  for (const level of Object.keys(logger.levels)) {
    const write = methods[level]!;
    methods[level] = function (this: Logger, ...args: unknown[]) {
      return this.isLevelEnabled(level) ? write.apply(this, args) : this;
    };
  }
  return logger;
}
