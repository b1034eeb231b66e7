// The embedded queue paces each provider to its messages-per-second.
import pino from 'pino';
import { afterEach, expect, it, vi } from 'vitest';
import type { SmsStore } from '../store/sms-store.ts';
import { EmbeddedSmsQueue } from './embedded-queue.ts';
import type { SmsDispatcher } from './sms-outbound.ts';

afterEach(() => vi.useRealTimers());

it('sends no faster than perSecond per provider, and providers do not wait for each other', async () => {
  vi.useFakeTimers({ now: new Date('2026-11-22T09:00:00Z') });
  const due = [...Array.from({ length: 6 }, (_, i) => ({ id: i + 1, provider: 'africastalking' })), { id: 100, provider: 'twilio' }];
  const sent: { id: number; at: number }[] = [];
  const sms = { due: (p: string) => due.filter((d) => d.provider === p && !sent.some((s) => s.id === d.id)) } as unknown as SmsStore;
  const dispatcher = {
    dispatch: async (id: number) => {
      sent.push({ id, at: Date.now() });
      return { kind: 'sent' as const };
    },
  } as unknown as SmsDispatcher;
  const queue = new EmbeddedSmsQueue({ sms, dispatcher, perSecond: { africastalking: 2, twilio: 1 }, logger: pino({ level: 'silent' }) });
  await queue.start();
  await vi.advanceTimersByTimeAsync(2_100);
  const at = sent.filter((s) => s.id < 100).map((s) => s.at);
  // 2 per second: one every 500 ms (±1 ms of timer rounding); the sixth waits for a later tick.
  expect(at).toHaveLength(5);
  for (let i = 1; i < at.length; i++) expect(Math.abs(at[i]! - at[i - 1]! - 500)).toBeLessThanOrEqual(1);
  expect(Math.abs(sent.find((s) => s.id === 100)!.at - at[0]!)).toBeLessThanOrEqual(1);
  await vi.advanceTimersByTimeAsync(3_000);
  expect(sent.filter((s) => s.id < 100)).toHaveLength(6);
  await queue.stop();
});
