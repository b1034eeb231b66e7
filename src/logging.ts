// Structured logs with fixed keys. Request bodies are never logged; the redaction list is a
// second line of defence for field names that could carry a phone number or a secret.
import pino, { type DestinationStream, type Logger } from 'pino';

const REDACT = [
  'phone',
  'phoneNumber',
  'from',
  'to',
  'From',
  'To',
  'callerNumber',
  'destinationNumber',
  'token',
  'callbackToken',
  'voterKeySecret',
  'apiKey',
  'authToken',
  'body',
  'req.url',
  'url',
  '*.phone',
  '*.phoneNumber',
  '*.token',
  '*.body',
  '*.url',
];

let human = false;

/**
 * For one-shot commands (`sauti sync resend`, `sauti sync import-ack`, …), whose output a person
 * reads: from now on loggers write warnings and errors only, as plain lines on stderr, instead of
 * JSON lines on stdout (which stay for `sauti start` and `sauti ledger serve`, read by log collectors).
 */
export function humanLogs(): void {
  human = true;
}

/** Warnings and errors as `sauti: warning: …` lines; the rest is for the services' logs. */
const humanLines: DestinationStream = {
  write(line: string) {
    try {
      const o = JSON.parse(line) as { level: number; msg?: string; err?: { message?: string } };
      const why = o.err?.message && !o.msg?.includes(o.err.message) ? ` (${o.err.message})` : '';
      process.stderr.write(`sauti: ${o.level >= 50 ? 'error' : 'warning'}: ${o.msg ?? ''}${why}\n`);
    } catch {
      process.stderr.write(line);
    }
  },
};

const QUIETER: Record<string, string> = { info: 'warn', debug: 'warn', trace: 'warn' };

/** A pino logger; `destination` lets tests capture output. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, base: { app: 'sauti' }, redact: { paths: REDACT, censor: '[redacted]' } };
  if (human && !destination) return pino({ ...options, level: QUIETER[level] ?? level }, humanLines);
  return pino(options, destination);
}
