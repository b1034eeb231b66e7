// `sauti simulate sms`: texts the running gateway exactly as a provider would deliver it, then
// shows the reply the gateway queued, asked of that same gateway (its database may not be this
// shell's SAUTI_DB): see src/http/simulator.ts for who may read it.
import type { ProviderCredentials } from '../../adapters/settings.ts';
import { simulators } from '../../adapters/registry.ts';

interface Options extends Partial<ProviderCredentials> {
  phone: string;
  text: string;
  url: string;
  /** A registered adapter with an SMS simulator. */
  provider: string;
  token: string;
  publicUrl?: string;
}

/** Sends one SMS to the gateway; returns the queued reply's text, or null. */
export async function simulateSms(o: Options): Promise<string | null> {
  const { phone, text, url, provider, token, publicUrl, ...credentials } = o;
  const sim = simulators('sms').find((s) => s.provider === provider)?.simulator.sms;
  if (!sim)
    throw new Error(
      `--provider must be ${simulators('sms')
        .map((s) => s.provider)
        .join(' or ')}`,
    );
  let res: Response;
  let id: string;
  try {
    const sent = await sim({ token, publicUrl, credentials }, { phone, text });
    id = sent.id;
    const { path, params, headers } = sent.request;
    res = await fetch(`${url}${path}`, { method: 'POST', body: new URLSearchParams(params), headers });
  } catch (err) {
    console.error(`Cannot reach the gateway at ${o.url}: ${(err as Error).message}. Is \`npm start\` running?`);
    process.exitCode = 1;
    return null;
  }
  if (!res.ok) {
    console.error(`Gateway answered ${res.status}: ${await res.text()}`);
    process.exitCode = 1;
    return null;
  }
  const answer = await fetch(`${o.url}/simulator/sms/${o.provider}/${encodeURIComponent(id)}/reply`, { headers: { authorization: `Bearer ${o.token}` } })
    .then(async (r) => (r.ok ? ((await r.json()) as SimulatorAnswer) : undefined))
    .catch(() => undefined);
  if (!answer) {
    console.log(
      `Delivered to the gateway at ${o.url}. Its reply cannot be shown: the gateway would not say (is SAUTI_CALLBACK_TOKEN the gateway's, and --url this machine's gateway?).`,
    );
    return null;
  }
  if (!answer.reply) {
    console.log('No reply was queued (the number opted out, or loop protection held it back).');
    return null;
  }
  const r = answer.reply;
  console.log(`\n┌ reply (${r.encoding}, ${r.segments} segment${r.segments > 1 ? 's' : ''}, ${r.state}) ${'─'.repeat(12)}\n${r.body}\n└${'─'.repeat(40)}`);
  return r.body;
}

/** What the gateway's simulator route answers about the message just posted. */
interface SimulatorAnswer {
  received: boolean;
  reply: { body: string; encoding: string; segments: number; state: string } | null;
}
