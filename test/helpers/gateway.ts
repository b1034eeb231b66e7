// A real gateway (real SQLite file, real express app) for adapter and end-to-end tests.
import { join } from 'node:path';
import request from 'supertest';
import { Writable } from 'node:stream';
import { loadSettings } from '../../src/config/env.ts';
import { assembleGateway } from '../../src/http/gateway.ts';
import { createLogger } from '../../src/logging.ts';
import { FIXTURE } from './deployment.ts';
import { allClips } from './prompts.ts';
import { tempDir } from './tmp.ts';

export const TOKEN = 'test-callback-token-0123456789';
export const SECRET = 'test-voter-key-secret-0123456789';
export const PUBLIC_URL = 'https://sauti.example.org';
export const TWILIO_SID = `AC${'a'.repeat(32)}`;
export const TWILIO_TOKEN = 'twilio-auth-token-for-tests';
/** Provider credentials for tests; every provider call is answered by nock. */
export const PROVIDER_ENV = {
  AT_USERNAME: 'sauti-test',
  AT_API_KEY: 'at-api-key-for-tests',
  TWILIO_ACCOUNT_SID: TWILIO_SID,
  TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
  SAUTI_PUBLIC_URL: PUBLIC_URL,
};

/** Captures every log line a gateway writes. */
export function logSink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream, text: () => lines.join('') };
}

let n = 0;
const dir = () => tempDir('sauti-gw-');

/** Builds a gateway on a fresh database file. */
export function testGateway(opts: { configFile?: string; clock?: () => Date; env?: Record<string, string>; queuePrefix?: string; fieldAppDir?: string } = {}) {
  const logs = logSink();
  const settings = loadSettings({
    SAUTI_CONFIG: opts.configFile ?? FIXTURE,
    SAUTI_DB: join(dir(), `gw${n++}.db`),
    SAUTI_CALLBACK_TOKEN: TOKEN,
    SAUTI_VOTER_KEY_SECRET: SECRET,
    SAUTI_GATEWAY_ID: 'gw-test',
    LOG_LEVEL: 'debug',
    // Every voice clip present, as after `sauti voice render`; a test of missing clips passes its own folder.
    SAUTI_PROMPTS_DIR: opts.env?.SAUTI_PROMPTS_DIR ?? allClips(opts.configFile ?? FIXTURE),
    ...PROVIDER_ENV,
    ...opts.env,
  });
  const gw = assembleGateway(settings, createLogger('debug', logs.stream), { clock: opts.clock, queuePrefix: opts.queuePrefix, fieldAppDir: opts.fieldAppDir });
  const count = (table: string) => gw.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  return { ...gw, logs, count, settings };
}

/** An Africa's Talking USSD form body. */
export function ussdBody(fields: Partial<Record<'sessionId' | 'serviceCode' | 'phoneNumber' | 'networkCode' | 'text', string>>) {
  return new URLSearchParams({
    sessionId: 'ATUid_test_session_1',
    serviceCode: '*384*99#',
    phoneNumber: '+254711000001',
    networkCode: '63902',
    text: '',
    ...fields,
  }).toString();
}

/** An Africa's Talking inbound SMS form body. */
export function atSmsBody(fields: Partial<Record<'id' | 'from' | 'to' | 'text' | 'date' | 'linkId' | 'networkCode', string>>) {
  return new URLSearchParams({
    id: 'ATXid_in_1',
    from: '+254711000001',
    to: '22384',
    text: '',
    date: '2026-11-22 09:00:01',
    linkId: 'SampleLinkId123',
    networkCode: '63902',
    ...fields,
  }).toString();
}

/**
 * Texts a test gateway as Africa's Talking delivers message `id`; returns the reply the gateway
 * queued for it (undefined when it queued none).
 */
export async function textGateway(gw: ReturnType<typeof testGateway>, from: string, body: string, id: string): Promise<string | undefined> {
  await request(gw.app).post(`/africastalking/sms/${TOKEN}`).type('form').send({ id, from, to: '22384', text: body, date: '2026-12-03 09:00:00' }).expect(200);
  return gw.db.prepare('SELECT body FROM sms_outbound WHERE source_ref = ?').pluck().get(`sms:africastalking:${id}`) as string | undefined;
}
