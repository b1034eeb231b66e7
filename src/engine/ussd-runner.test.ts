// The session runner's own duties: input extraction and redrawing a colliding receipt.
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ussdFlow, type UssdState } from '../../flows/ussd/index.ts';
import { NOW, testDeployment } from '../../test/helpers/deployment.ts';
import { tempDir } from '../../test/helpers/tmp.ts';
import { CommitQueue } from '../store/commit-queue.ts';
import { openDatabase } from '../store/db.ts';
import { GatewayStore } from '../store/gateway-store.ts';
import { shortCode } from '../domain/codes.ts';
import { phoneSeal } from '../domain/phone-seal.ts';
import { newInput, UssdRunner } from './ussd-runner.ts';

describe('newInput', () => {
  it.each([
    ['', '1', '1'],
    ['1', '1*2', '2'],
    ['1*2', '1*2*Fix*the road', 'Fix*the road'],
    ['1*2', '1*2*', ''],
    ['1*2', '9*7', '7'],
  ])('after %j, text %j means input %j', (last, text, input) => {
    expect(newInput(last, text)).toBe(input);
  });
});

describe('UssdRunner', () => {
  it('redraws a receipt that collides with an existing one', async () => {
    const db = openDatabase(join(tempDir(), 'r.db'));
    // Every draw is 0x07 bytes unless `next` says otherwise.
    let next: number[] = [];
    const runner = new UssdRunner<UssdState>({
      store: new GatewayStore(db),
      queue: new CommitQueue(db),
      deployment: testDeployment(),
      flow: ussdFlow,
      voterKeySecret: 'secret-secret-secret',
      gatewayId: 'gw-test',
      logger: pino({ level: 'silent' }),
      clock: () => NOW,
      random: (n) => new Uint8Array(n).fill(next.shift() ?? 7),
    });
    const vote = async (phone: string, confirmDraws: number[]) => {
      const path = ['1', '1', '1', '1', '99', '1'];
      let reply;
      for (let i = 0; i <= path.length; i++) {
        if (i === path.length) next = confirmDraws;
        reply = await runner.hop({ sessionId: phone, phone, serviceCode: '*384*99#', text: path.slice(0, i).join('*') });
      }
      return reply!.text;
    };
    const first = await vote('+254711000001', []);
    // Attempt 1 draws receipt 0x07.. again (taken), attempt 2 draws 0x09..
    const second = await vote('+254711000002', [7, 7, 9, 9]);
    expect(first).toBe(`Thank you! Your vote is recorded. Receipt: ${shortCode(new Uint8Array(7).fill(7), 10)}`);
    expect(second).toBe(`Thank you! Your vote is recorded. Receipt: ${shortCode(new Uint8Array(7).fill(9), 10)}`);
    expect(db.prepare('SELECT count(*) FROM ballots').pluck().get()).toBe(2);
  });

  it('answers from the stored row when it differs from what this process sealed last', async () => {
    const db = openDatabase(join(tempDir(), 'r.db'));
    const runner = new UssdRunner<UssdState>({
      store: new GatewayStore(db),
      queue: new CommitQueue(db),
      deployment: testDeployment(),
      flow: ussdFlow,
      voterKeySecret: 'secret-secret-secret',
      gatewayId: 'gw-test',
      logger: pino({ level: 'silent' }),
      clock: () => NOW,
    });
    const hop = (text: string) => runner.hop({ sessionId: 's1', phone: '+254711000001', serviceCode: '*384*99#', text });
    const first = await hop('');
    expect(first.text).toMatch(/^Choose language/);
    // Another writer (a second process, the start-up re-seal) leaves other ciphertext: its plaintext counts.
    const seal = phoneSeal('secret-secret-secret');
    db.prepare('UPDATE ussd_sessions SET last_reply = ? WHERE session_id = ?').run(seal.seal('Stored screen'), 's1');
    expect((await hop('')).text).toBe('Stored screen');
    db.prepare('UPDATE ussd_sessions SET last_text = ?, last_reply = ? WHERE session_id = ?').run(seal.seal(''), seal.seal(first.text), 's1');
    expect((await hop('1')).text).toMatch(/^Test County PB\n1 Vote/);
    expect(seal.open(db.prepare('SELECT last_text FROM ussd_sessions').pluck().get() as string)).toBe('1');
  });
});
