// Sends the outbox to the gateway, oldest first, one form at a time. A form leaves the outbox
// only when the gateway answered 201 for it; if the page dies between the 201 and that, the
// next attempt sends the same bytes and the gateway answers 201 again, storing it once (by
// instanceID). `navigator.onLine` is never trusted: every attempt is a real request.
import { markSent, queued, update } from './device-store.ts';
import { submit } from './openrosa-client.ts';

/** What the last run found, for the page to show. */
export interface SendReport {
  sent: number;
  /** Tokens the gateway refused with 403 in this run: their forms wait, unsent. */
  revoked: string[];
  /** Why forms are still waiting, when a run stopped early (no network, gateway busy). */
  stoppedBecause?: string;
}

/** One run over the outbox. Runs one at a time on this device, across tabs (Web Locks, where the page is a secure context). */
export async function sendAll(now: () => Date = () => new Date()): Promise<SendReport> {
  if (!navigator.locks) return run(now);
  return await navigator.locks.request('sauti-field-outbox', () => run(now));
}

async function run(now: () => Date): Promise<SendReport> {
  const report: SendReport = { sent: 0, revoked: [] };
  for (const form of await queued()) {
    if (form.state !== 'waiting' || report.revoked.includes(form.token)) continue;
    const outcome = await submit(form.token, form.parts);
    switch (outcome.kind) {
      case 'stored':
        await markSent(form.instanceId, outcome.message, now());
        report.sent++;
        break;
      case 'refused':
        await update(form.instanceId, { state: 'refused', message: outcome.message, attempts: form.attempts + 1 });
        break;
      case 'revoked':
        report.revoked.push(form.token);
        await update(form.instanceId, { message: outcome.message, attempts: form.attempts + 1 });
        break;
      case 'retry':
        // The network or the gateway is not there: the rest would fail the same way.
        await update(form.instanceId, { message: outcome.message, attempts: form.attempts + 1 });
        report.stoppedBecause = outcome.message;
        return report;
    }
  }
  return report;
}
