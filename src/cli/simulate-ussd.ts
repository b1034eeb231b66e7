// A terminal USSD handset: posts exactly what the USSD provider would (its adapter's simulator
// shapes the request), shows each screen.
import { createInterface } from 'node:readline/promises';
import { simulators } from '../../adapters/registry.ts';

interface Options {
  phone: string;
  url: string;
  serviceCode: string;
  token: string;
  inputs?: string;
  session?: string;
}

/** Runs one USSD session against a gateway; returns the screens shown. */
export async function simulateUssd(o: Options): Promise<string[]> {
  const sim = simulators('ussd')[0]!.simulator.ussd!;
  const sessionId = o.session ?? sim.sessionId();
  const scripted = o.inputs !== undefined ? o.inputs.split('*') : null;
  const rl = scripted ? null : createInterface({ input: process.stdin, terminal: process.stdin.isTTY });
  // Lines are read through the iterator so piped input (tests, scripts) is buffered, not lost.
  const lines = rl?.[Symbol.asyncIterator]();
  const ask = async () => {
    process.stdout.write('> ');
    const next = await lines!.next();
    return next.done ? undefined : String(next.value);
  };
  const screens: string[] = [];
  const typed: string[] = [];
  try {
    for (;;) {
      const hop = sim.hop({ token: o.token, credentials: {} }, { sessionId, serviceCode: o.serviceCode, phone: o.phone, text: typed.join('*') });
      const body = new URLSearchParams(hop.params);
      const res = await fetch(`${o.url}${hop.path}`, { method: 'POST', body, headers: hop.headers }).catch((err: Error) => {
        throw new Error(`Cannot reach the gateway at ${o.url}: ${err.message}. Is \`npm start\` running?`);
      });
      const reply = await res.text();
      if (!res.ok) {
        console.error(`Gateway answered ${res.status}: ${reply}`);
        process.exitCode = 1;
        return screens;
      }
      const end = reply.startsWith('END ');
      const screen = reply.slice(4);
      screens.push(screen);
      console.log(`\n┌ ${end ? 'END' : 'CON'} (${screen.length}/182) ${'─'.repeat(20)}\n${screen}\n└${'─'.repeat(34)}`);
      if (end) return screens;
      const next = scripted ? scripted.shift() : await ask();
      if (next === undefined) return screens;
      typed.push(next);
    }
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 1;
    return screens;
  } finally {
    rl?.close();
  }
}
