// Broadcasts honour STOP, skip bad numbers, and are idempotent per broadcast id.
import request from 'supertest';
import { expect, it } from 'vitest';
import { TOKEN, testGateway } from '../../test/helpers/gateway.ts';
import { broadcast } from './broadcast.ts';

it('queues one message per number, skips opted-out and invalid numbers, and never twice', async () => {
  const gw = testGateway();
  await request(gw.app).post(`/africastalking/sms/${TOKEN}`).type('form').send({ id: 'stop', from: '+254722000002', text: 'STOP' });
  const deps = { store: gw.store, sms: gw.sms, queue: gw.queue, deployment: gw.deployment, voterKeySecret: gw.settings.voterKeySecret };
  const phones = ['+254711000001', '0722000002', 'not a number', '0733 000 003'];
  const text = 'Kiboko borehole: work starts on 1 Dec. Reply STOP to stop these messages.';
  const first = await broadcast(deps, { id: 'update-1', provider: 'africastalking', text, phones });
  expect(first).toMatchObject({ queued: 2, alreadyQueued: 0, optedOut: 1, invalid: 1, encoding: 'GSM-7', segments: 1 });
  const again = await broadcast(deps, { id: 'update-1', provider: 'africastalking', text, phones });
  expect(again).toMatchObject({ queued: 0, alreadyQueued: 2 });
  const rows = gw.sms.list(10).filter((m) => m.kind === 'broadcast');
  expect(rows.map((r) => gw.sms.recipient(r)).sort()).toEqual(['+254711000001', '+254733000003']);
  expect(rows.every((r) => r.to_phone!.startsWith('s1:') && !r.to_phone!.includes('2547'))).toBe(true);
});

it('counts a number listed twice (in any form) once, and a dry run says what the real run will do', async () => {
  const gw = testGateway();
  await request(gw.app).post(`/africastalking/sms/${TOKEN}`).type('form').send({ id: 'stop', from: '+254722000002', text: 'STOP' });
  const deps = { store: gw.store, sms: gw.sms, queue: gw.queue, deployment: gw.deployment, voterKeySecret: gw.settings.voterKeySecret };
  const phones = ['+254711000120', '0711000120', '254711000121', '+254722000002', '0722000002', 'abc'];
  const o = { id: 'b1', provider: 'africastalking', text: 'Kiboko borehole: work starts 1 Dec.' };
  const dry = await broadcast(deps, { ...o, phones, dryRun: true });
  expect(dry).toMatchObject({ queued: 2, alreadyQueued: 0, duplicates: 2, optedOut: 1, invalid: 1 });
  const real = await broadcast(deps, { ...o, phones });
  expect(real).toMatchObject({ queued: 2, alreadyQueued: 0, duplicates: 2, optedOut: 1, invalid: 1 });
  expect(gw.sms.list(10).filter((m) => m.kind === 'broadcast')).toHaveLength(2);
  // After the real run, a dry run of the same broadcast says nothing more would be queued.
  expect(await broadcast(deps, { ...o, phones, dryRun: true })).toMatchObject({ queued: 0, alreadyQueued: 2 });
});
