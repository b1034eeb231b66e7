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

/** A pino logger; `destination` lets tests capture output. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { app: 'sauti' }, redact: { paths: REDACT, censor: '[redacted]' } }, destination);
}
