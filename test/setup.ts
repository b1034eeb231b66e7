// Every test file: no real network. A provider call without a nock answer fails loudly.
import nock from 'nock';
import { afterEach } from 'vitest';

nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
afterEach(() => {
  nock.cleanAll();
});
