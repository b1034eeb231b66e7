// Every test file: no real network. A provider call without a nock answer fails loudly.
import nock from 'nock';
import { afterEach } from 'vitest';

// Gateways the tests start (and their children) do not render voice clips in the background:
// test/voice-cli.test.ts turns it on where that is what is tested.
process.env.SAUTI_RENDER_PROMPTS ??= 'off';

nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
afterEach(() => {
  nock.cleanAll();
});
